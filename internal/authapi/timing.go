package authapi

import (
	"sync"
	"time"
)

// padder evens out the time of failed logins. A wrong password for an
// account costs a password check and a write (the failure is counted); an
// unknown name costs acct's dummy check and no write, and a refused
// account (locked, pending) the handler's dummy check. padder keeps a
// moving average of the first kind and makes the others last as long, so
// that the time of an answer does not tell whether the account exists.
type padder struct {
	mu    sync.Mutex
	avg   time.Duration
	sleep func(time.Duration) // time.Sleep unless a test replaces it
}

// maxPad bounds the padding.
const maxPad = 2 * time.Second

// observe adds the duration of a failure of a known account.
func (p *padder) observe(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.avg == 0 {
		p.avg = d
		return
	}
	p.avg += (d - p.avg) / 8
}

// pad sleeps until the average failure time has passed since start.
func (p *padder) pad(start time.Time) {
	p.mu.Lock()
	avg := p.avg
	sleep := p.sleep
	p.mu.Unlock()
	if sleep == nil {
		sleep = time.Sleep
	}
	if avg > maxPad {
		avg = maxPad // a slow moment of the store must not hold every answer
	}
	if d := avg - time.Since(start); d > 0 {
		sleep(d)
	}
}
