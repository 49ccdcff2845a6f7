package notify

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// commandSender runs a program for every SMS.
type commandSender struct {
	path    string   // the resolved argv[0]
	args    []string // argv[1:], "{to}" not yet replaced
	timeout time.Duration
}

func newCommand(argv []string, timeout time.Duration) (Sender, error) {
	if argv[0] == "" {
		return nil, errors.New("sms.command: the program (first element) is empty")
	}
	if strings.Contains(argv[0], "{to}") {
		return nil, errors.New("sms.command: {to} may appear in the arguments, not in the program name")
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return nil, fmt.Errorf("sms.command: %w", err)
	}
	return &commandSender{path: path, args: argv[1:], timeout: timeout}, nil
}

// Send runs the program with "{to}" replaced by m.To in every argument and
// m.Body on its standard input. The program is not run by a shell, so the
// number cannot inject anything; and it is E.164 (checked by Notifier.Send),
// so it cannot pass for an option either.
func (c *commandSender) Send(ctx context.Context, m Message) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	args := make([]string, len(c.args))
	for i, a := range c.args {
		args[i] = strings.ReplaceAll(a, "{to}", m.To)
	}
	cmd := exec.CommandContext(ctx, c.path, args...)
	cmd.Stdin = strings.NewReader(m.Body)
	stderr := &headWriter{max: 4 * excerptRunes}
	cmd.Stderr = stderr
	// Children that keep stderr open must not hold Send past the deadline.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	name := filepath.Base(c.path)
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	if e := excerpt(stderr.buf, excerptRunes); e != "" {
		return fmt.Errorf("send sms by command %s: %w: %s", name, err, e)
	}
	return fmt.Errorf("send sms by command %s: %w", name, err)
}

// headWriter keeps the first max bytes written to it and discards the rest.
type headWriter struct {
	buf []byte
	max int
}

func (w *headWriter) Write(p []byte) (int, error) {
	if room := w.max - len(w.buf); room > 0 {
		w.buf = append(w.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
