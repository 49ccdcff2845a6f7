package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// outbox appends every message to a file as one JSON line.
type outbox struct {
	path string
	now  func() time.Time
}

// outboxLine is one line of the outbox file.
type outboxLine struct {
	Channel Channel   `json:"channel"`
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`
	SentAt  time.Time `json:"sent_at"`
}

func newOutbox(path string, now func() time.Time) (*outbox, error) {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("outbox: folder of %s: %w", path, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("outbox: %s is not a folder", dir)
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("outbox: %s is not a regular file", path)
	}
	return &outbox{path: path, now: now}, nil
}

// Send appends m with one write to a file opened for appending, so that
// lines from concurrent processes do not interleave.
func (o *outbox) Send(_ context.Context, m Message) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // links stay readable: & not \u0026
	line := outboxLine{m.Channel, m.To, m.Subject, m.Body, o.now().UTC().Truncate(time.Second)}
	if err := enc.Encode(line); err != nil { // Encode ends the line with "\n"
		return fmt.Errorf("outbox: %w", err)
	}
	f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("outbox: write %s: %w", o.path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("outbox: close %s: %w", o.path, err)
	}
	return nil
}
