package cmdutil

import (
	"errors"
	"strconv"
	"testing"
)

// TestPrintAllPages: every page, in order, as one list: one CSV header,
// one JSON array; a page that fails stops the list with its error.
func TestPrintAllPages(t *testing.T) {
	pages := map[string]struct {
		items []int
		next  string
	}{"": {[]int{1, 2}, "a"}, "a": {nil, "b"}, "b": {[]int{3}, ""}}
	page := func(cursor string) ([]int, string, error) {
		p, ok := pages[cursor]
		if !ok {
			return nil, "", errors.New("no such page " + cursor)
		}
		return p.items, p.next, nil
	}
	row := func(n int) []string { return []string{strconv.Itoa(n)} }
	for format, want := range map[string]string{
		FormatCSV:  "N\n1\n2\n3\n",
		FormatTSV:  "1\n2\n3\n",
		FormatJSON: "[\n  1,\n  2,\n  3\n]\n",
	} {
		ios, _, out, _ := Test()
		if err := PrintAllPages(&Printer{IO: ios, Format: format}, Table{Columns: []string{"N"}}, "", page, row); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("%s: %q, want %q", format, out, want)
		}
	}
	pages["b"] = struct {
		items []int
		next  string
	}{[]int{3}, "gone"}
	ios, _, _, _ := Test()
	if err := PrintAllPages(&Printer{IO: ios, Format: FormatJSON}, Table{}, "", page, row); err == nil || err.Error() != "no such page gone" {
		t.Errorf("a failing page: %v", err)
	}
}
