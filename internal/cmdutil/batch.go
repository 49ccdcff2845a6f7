package cmdutil

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/acctl/acctl/internal/acct"
)

// Batch sizes of the commands that answer many items (user get -,
// session get --token-stdin --batch): items per Service call, and calls
// in flight. Several calls in flight keep both the store's reads and the
// output busy on a local store, and hide the round trip on a remote one.
const (
	BatchSize    = 256
	BatchWorkers = 4
)

// ItemSource yields the items of a batch command one at a time: an item
// and nil, or "" and io.EOF at the end.
type ItemSource func() (string, error)

// ArgItems yields args.
func ArgItems(args []string) ItemSource {
	return func() (string, error) {
		if len(args) == 0 {
			return "", io.EOF
		}
		s := args[0]
		args = args[1:]
		return s, nil
	}
}

// LineItems yields the lines of r, without "\n" or "\r\n", to its end; a
// last line without a newline counts.
func LineItems(r io.Reader) ItemSource {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	return func() (string, error) {
		if sc.Scan() {
			return strings.TrimSuffix(sc.Text(), "\r"), nil
		}
		if err := sc.Err(); err != nil {
			return "", fmt.Errorf("read stdin: %w", err)
		}
		return "", io.EOF
	}
}

// BatchCall answers one batch of items, one result per item, in order.
type BatchCall[R any] func(ctx context.Context, items []string) ([]R, error)

// RunBatches reads the items of src, calls call with BatchSize of them at
// a time, up to BatchWorkers calls at once, and writes each result as one
// line of compact JSON to w, in the order of the items, one write for
// each batch. It stops at the first error of a call (the lines of the
// batches before it are written) and returns it.
//
// The worker that made a call encodes its results too: the JSON of a
// batch, by reflection, costs about as much as its look-ups, and the
// workers share it out over the CPUs where one writer would encode every
// line in turn.
func RunBatches[R any](ctx context.Context, w io.Writer, src ItemSource, call BatchCall[R]) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		items []string
		out   *bytes.Buffer // the lines of the results, from bufs
		err   error
		done  chan struct{}
	}
	// The buffers of the batches' lines go round: a batch's lines are
	// some 100 KB, which a new buffer would grow to again and again.
	bufs := sync.Pool{New: func() any { return new(bytes.Buffer) }}
	jobs := make(chan *job)
	order := make(chan *job, BatchWorkers)
	var readErr error
	go func() { // the reader: batches to the workers, in order to the writer
		defer close(order)
		defer close(jobs)
		for {
			items := make([]string, 0, BatchSize)
			for len(items) < BatchSize {
				s, err := src()
				if err != nil {
					if !errors.Is(err, io.EOF) {
						readErr = err
					}
					break
				}
				items = append(items, s)
			}
			if len(items) == 0 {
				return
			}
			j := &job{items: items, done: make(chan struct{})}
			select {
			case order <- j:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
			if len(items) < BatchSize {
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range BatchWorkers {
		wg.Go(func() {
			for {
				var j *job
				select {
				case j = <-jobs:
				case <-ctx.Done():
					return // the reader may be blocked on a terminal
				}
				if j == nil {
					return
				}
				res, err := call(ctx, j.items)
				if err == nil && len(res) != len(j.items) {
					err = acct.Errorf(acct.CodeInternal, "%d answers to %d items", len(res), len(j.items))
				}
				if err == nil {
					j.out = bufs.Get().(*bytes.Buffer)
					enc := json.NewEncoder(j.out)
					enc.SetEscapeHTML(false)
					for i := range res {
						if err = enc.Encode(res[i]); err != nil {
							err = fmt.Errorf("encode: %w", err)
							break
						}
					}
				}
				j.err = err
				close(j.done)
			}
		})
	}
	defer wg.Wait()
	for j := range order {
		select {
		case <-j.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if j.err != nil {
			cancel()
			return j.err
		}
		_, err := w.Write(j.out.Bytes())
		j.out.Reset()
		bufs.Put(j.out)
		if err != nil {
			cancel()
			return fmt.Errorf("write: %w", err)
		}
	}
	// order is closed: the reader is done, and readErr is set or not.
	return readErr
}

// ErrorLine is the output line of an item that failed: {"error":{…}},
// the object that -o json prints on stderr for a command's error.
type ErrorLine struct {
	Error *acct.ItemError `json:"error"`
}

// Tally counts the items of a batch command and those that failed, by
// code; safe for the concurrent calls of RunBatches.
type Tally struct {
	mu     sync.Mutex
	items  int
	failed map[acct.Code]int
}

// Add counts n items, of which the errors that are not nil failed.
func (t *Tally) Add(n int, errs ...*acct.ItemError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.items += n
	for _, e := range errs {
		if e == nil {
			continue
		}
		if t.failed == nil {
			t.failed = map[acct.Code]int{}
		}
		t.failed[e.Code]++
	}
}

// Err returns nil when no item failed; otherwise an error that says how
// many of how many items (noun, plural) failed, whose code is the first
// of codes that some item failed with (so its exit code), else that of
// any failure.
func (t *Tally) Err(noun string, codes ...acct.Code) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, c := range t.failed {
		n += c
	}
	if n == 0 {
		return nil
	}
	code := acct.CodeInvalid
	for _, c := range codes {
		if t.failed[c] > 0 {
			code = c
			break
		}
	}
	return acct.Errorf(code, "%d of %d %s failed: see their lines of output", n, t.items, noun)
}

// BatchFormat checks that the output format suits a batch command, which
// writes JSON lines: only the default or -o json.
func (f *Factory) BatchFormat() error {
	format, err := f.OutputFormat()
	if err != nil {
		return err
	}
	if format != "" && format != FormatJSON {
		return UsageErrorf("many items are answered as JSON lines: -o %s is not available here", format)
	}
	return nil
}
