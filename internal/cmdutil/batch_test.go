package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// TestRunBatchesOrder: many batches answered out of order still come out
// in the order of the items, one line each, the last line without its
// newline counted.
func TestRunBatchesOrder(t *testing.T) {
	const n = BatchSize*BatchWorkers*3 + 17
	var in strings.Builder
	for i := range n {
		fmt.Fprintf(&in, "item%d\r\n", i)
	}
	input := strings.TrimSuffix(in.String(), "\r\n")
	// The first batch waits until a later one has been answered, so the
	// answers really come back out of order.
	later := make(chan struct{})
	var once sync.Once
	var calls sync.Map
	call := func(ctx context.Context, items []string) ([]string, error) {
		if items[0] == "item0" {
			<-later
		} else {
			once.Do(func() { close(later) })
		}
		calls.Store(items[0], len(items))
		out := make([]string, len(items))
		for i, s := range items {
			out[i] = strings.ToUpper(s)
		}
		return out, nil
	}
	var out bytes.Buffer
	if err := RunBatches(context.Background(), &out, LineItems(strings.NewReader(input)), call); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("%d lines, want %d", len(lines), n)
	}
	for i, l := range lines {
		if want := fmt.Sprintf("%q", fmt.Sprintf("ITEM%d", i)); l != want {
			t.Fatalf("line %d: %s, want %s", i, l, want)
		}
	}
	if v, _ := calls.Load("item0"); v != BatchSize {
		t.Errorf("first batch of %v items, want %d", v, BatchSize)
	}
}

// TestRunBatchesError: a call that fails stops the run with its error,
// after the lines of the batches before it; none after it is written.
func TestRunBatchesError(t *testing.T) {
	items := make([]string, BatchSize*3)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	boom := acct.Errorf(acct.CodeUnavailable, "store busy")
	call := func(ctx context.Context, items []string) ([]int, error) {
		if items[0] == fmt.Sprint(BatchSize) {
			return nil, boom
		}
		return make([]int, len(items)), nil
	}
	var out bytes.Buffer
	err := RunBatches(context.Background(), &out, ArgItems(items), call)
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want %v", err, boom)
	}
	if got := strings.Count(out.String(), "\n"); got != BatchSize {
		t.Errorf("%d lines written, want the first batch's %d", got, BatchSize)
	}
	// A call that answers too few items is an internal error.
	short := func(ctx context.Context, items []string) ([]int, error) { return nil, nil }
	if err := RunBatches(context.Background(), &out, ArgItems([]string{"a"}), short); acct.ErrorCode(err) != acct.CodeInternal {
		t.Errorf("short answer: %v", err)
	}
}

// TestTally: the exit code is the first of the codes given that an item
// failed with; no failure, no error.
func TestTally(t *testing.T) {
	var tl Tally
	tl.Add(3, nil, nil, nil)
	if err := tl.Err("REFs", acct.CodeNotFound); err != nil {
		t.Fatal(err)
	}
	tl.Add(2, &acct.ItemError{Code: acct.CodeInvalid}, &acct.ItemError{Code: acct.CodeNotFound})
	err := tl.Err("REFs", acct.CodeNotFound, acct.CodeInvalid)
	if acct.ErrorCode(err) != acct.CodeNotFound || err.Error() != "2 of 5 REFs failed: see their lines of output" {
		t.Errorf("%v (%s)", err, acct.ErrorCode(err))
	}
}
