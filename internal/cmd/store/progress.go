package store

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressBar shows a copy's progress on a terminal (stderr): the rows
// written of all, the rate and the time left, with the table being
// copied as the description. It is a storecopy.Progress.
type progressBar struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w} }

func (p *progressBar) Start(total int64) {
	if total == 0 {
		return
	}
	p.bar = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription("copying"),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionEnableColorCodes(false),
	)
}

func (p *progressBar) Table(name string, rows int64) {
	if p.bar != nil {
		p.bar.Describe(name)
	}
}

func (p *progressBar) Add(n int) {
	if p.bar != nil {
		_ = p.bar.Add(n)
	}
}

// Finish takes the bar off the terminal, whatever the outcome: the result
// or the error is printed next.
func (p *progressBar) Finish() {
	if p.bar != nil {
		_ = p.bar.Clear()
		_ = p.bar.Exit()
	}
}
