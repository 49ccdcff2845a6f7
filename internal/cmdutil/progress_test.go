package cmdutil

import (
	"bytes"
	"strings"
	"testing"
)

// TestProgressLabels: a bar of bytes shows a byte rate (B/s, kB/s…) and
// never "it/s"; a bar of rows counts rows.
func TestProgressLabels(t *testing.T) {
	var buf bytes.Buffer
	bar := NewProgress(&buf, "importing", 4<<20, ProgressBytes, 0)
	if err := bar.Set64(2 << 20); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "importing") || !strings.Contains(out, "2.1/4.2 MB") || !strings.Contains(out, "B/s") || strings.Contains(out, "it/s") {
		t.Errorf("bytes: %q", out)
	}

	buf.Reset()
	bar = NewProgress(&buf, "exporting", -1, ProgressRows, 0)
	if err := bar.Set64(2000); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "exporting") || !strings.Contains(out, "2000") || !strings.Contains(out, " rows/") || strings.Contains(out, "it/s") {
		t.Errorf("rows: %q", out)
	}
}
