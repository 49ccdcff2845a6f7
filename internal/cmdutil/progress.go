package cmdutil

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// ProgressUnit is what a progress bar counts.
type ProgressUnit int

// The units of a progress bar.
const (
	// ProgressBytes counts bytes: shown as "12 MB/34 MB (5.1 MB/s)".
	ProgressBytes ProgressUnit = iota
	// ProgressRows counts rows: shown as "1200/5000 (800 rows/s)".
	ProgressRows
)

// ProgressThrottle is how often a progress bar is redrawn at most.
const ProgressThrottle = 100 * time.Millisecond

// NewProgress returns a progress bar on w (stderr on a terminal; the caller
// checks): desc, then the bar when max is known (max < 0: a count without
// a bar), the count in unit and its rate labelled by unit (bytes per
// second as B/s, kB/s, MB/s, never "it/s"), and the time left. It is
// drawn at once, then at most every throttle, and cleared when done.
func NewProgress(w io.Writer, desc string, max int64, unit ProgressUnit, throttle time.Duration) *progressbar.ProgressBar {
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(throttle),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionEnableColorCodes(false),
		progressbar.OptionSetRenderBlankState(true), // at once: the first batch may take a while
	}
	switch unit {
	case ProgressBytes:
		// The byte count and its rate (kB/s, MB/s) come with ShowBytes;
		// ShowIts would add the same rate again, labelled "it/s".
		opts = append(opts, progressbar.OptionShowBytes(true), progressbar.OptionShowCount())
	default:
		opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"))
	}
	if max > 0 {
		opts = append(opts, progressbar.OptionSetPredictTime(true))
	} else {
		max = -1
	}
	return progressbar.NewOptions64(max, opts...)
}
