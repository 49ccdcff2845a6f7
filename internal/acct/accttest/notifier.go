package accttest

import (
	"context"
	"sync"

	"github.com/acctl/acctl/internal/acct"
)

// Secret is the installation secret of every service the suite opens:
// 32 bytes, so that codes can be issued and checked.
var Secret = []byte("accttest installation secret 32b")

// Recorder is an acct.Notifier that keeps every notice it is given, so
// that a test can read the code that was "sent", and that fails when told
// to. A failed notice is recorded too. It is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	notices []acct.Notice
	fail    error
}

var _ acct.Notifier = (*Recorder)(nil)

// Notify records n and returns the error set by Fail, if any.
func (r *Recorder) Notify(_ context.Context, n acct.Notice) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notices = append(r.notices, n)
	return r.fail
}

// Ready says every channel can be sent by: the recorder takes all.
func (r *Recorder) Ready(acct.Channel) error { return nil }

// Fail makes every later delivery fail with err; nil makes them succeed.
func (r *Recorder) Fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = err
}

// Notices returns the notices given so far, oldest first.
func (r *Recorder) Notices() []acct.Notice {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]acct.Notice(nil), r.notices...)
}
