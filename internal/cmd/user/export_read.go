package user

import (
	"context"
	"strconv"

	"github.com/acctl/acctl/internal/acct"
)

// Reading an export's pages ahead of the writer, two at a time.
//
// Reading a page is most of an export's work (on SQLite about 6 µs an
// account against 1 µs to write it), and a page's cursor is only known
// once the page before it is read. readPages reads two pages at once: the
// next one, and the one after it from a cursor guessed from the id span
// of the last page (pages of consecutive ids span exactly their size).
// A cursor is the id of the last account of a page, and a page holds every
// account after its cursor up to its own last one, so a page read from a
// guessed cursor is used from where the pages before it end: its accounts
// already written are dropped (a guess too low), and when it starts past
// that point (a guess too high) the page from there is read first. Every
// account is thus written once, from the one read transaction of the page
// it was taken from, as with pages read one after another. When a cursor
// is not the id of its page's last account (another server's), the pages
// are read one after another.

// exportedPage is a page read ahead of the writer, and the error that
// ended the export.
type exportedPage struct {
	rows []acct.ExportRow
	err  error
}

// pageRead is a page being read from the cursor after id start.
type pageRead struct {
	start int64
	done  chan pageResult
}

type pageResult struct {
	page *acct.ExportPage
	err  error
}

// readsAhead is how many pages are read at once.
const readsAhead = 2

// readPages reads every page of q (which starts at the beginning: no
// cursor) with fetch and sends their accounts in id order, each once; the
// channel is closed after the last page or after a page with an error.
// Canceling ctx stops it.
func readPages(ctx context.Context, fetch func(context.Context, acct.ExportQuery) (*acct.ExportPage, error), q acct.ExportQuery) <-chan exportedPage {
	out := make(chan exportedPage, 1)
	// read starts reading the page after cursor; start is the cursor as
	// an id, -1 when it is not one.
	read := func(start int64, cursor string) *pageRead {
		r := &pageRead{start: start, done: make(chan pageResult, 1)}
		q := q
		q.Cursor = cursor
		go func() {
			p, err := fetch(ctx, q)
			r.done <- pageResult{p, err}
		}()
		return r
	}
	readAfter := func(id int64) *pageRead { return read(id, strconv.FormatInt(id, 10)) }
	go func() {
		defer close(out)
		// pos is the id up to which accounts were sent: a page read
		// from a cursor at or before it may go next. -1 once the pages
		// are read one after another.
		pos := int64(0)
		queue := []*pageRead{read(0, "")}
		for {
			head := queue[0]
			queue = queue[1:]
			var res pageResult
			select {
			case res = <-head.done:
			case <-ctx.Done():
				return
			}
			if res.err != nil {
				send(ctx, out, exportedPage{err: res.err})
				return
			}
			rows := res.page.Rows
			for pos >= 0 && len(rows) > 0 && rows[0].ID <= pos {
				rows = rows[1:]
			}
			if !send(ctx, out, exportedPage{rows: rows}) || res.page.Next == "" {
				return
			}
			next, ok := nextID(res.page)
			if pos < 0 || !ok || next < head.start {
				// Not the id of the page's last account: the pages
				// are read one after another, and the reads ahead
				// are of no use.
				pos = -1
				queue = []*pageRead{read(-1, res.page.Next)}
				continue
			}
			span := max(next-head.start, 1)
			pos = max(pos, next)
			if len(queue) == 0 || queue[0].start > pos {
				queue = append([]*pageRead{readAfter(pos)}, queue...)
			}
			for len(queue) < readsAhead {
				queue = append(queue, readAfter(queue[len(queue)-1].start+span))
			}
		}
	}()
	return out
}

// nextID is p's cursor as the id of its last account, and whether it is
// one.
func nextID(p *acct.ExportPage) (int64, bool) {
	id, err := strconv.ParseInt(p.Next, 10, 64)
	if err != nil || len(p.Rows) == 0 || p.Rows[len(p.Rows)-1].ID != id {
		return 0, false
	}
	return id, true
}

// send sends p on out unless ctx is done first, and reports whether it
// did.
func send(ctx context.Context, out chan<- exportedPage, p exportedPage) bool {
	select {
	case out <- p:
		return true
	case <-ctx.Done():
		return false
	}
}
