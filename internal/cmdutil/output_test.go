package cmdutil

import (
	"strings"
	"testing"
)

type item struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

func sampleTable(items []item) Table {
	rows := [][]string{}
	for _, it := range items {
		rows = append(rows, []string{itoa(it.ID), it.Name})
	}
	return Table{Columns: []string{"ID", "NAME"}, Rows: rows, JSON: items, Empty: "no items"}
}

func itoa(n int) string {
	return string(rune('0' + n))
}

func TestPrintTableFormats(t *testing.T) {
	items := []item{{1, "alice"}, {2, ""}, {3, "tab\there\nnewline"}}
	tests := []struct {
		format string
		tty    bool
		want   string
	}{
		{FormatTable, false, "ID  NAME\n1   alice\n2   -\n3   tab here newline\n"},
		{"", true, "ID  NAME\n1   alice\n2   -\n3   tab here newline\n"},
		{FormatTSV, false, "1\talice\n2\t\n3\ttab here newline\n"},
		{"", false, "1\talice\n2\t\n3\ttab here newline\n"},
		{FormatCSV, false, "ID,NAME\n1,alice\n2,\n3,\"tab\there\nnewline\"\n"},
		{FormatJSON, true, `[
  {
    "id": 1,
    "name": "alice"
  },
  {
    "id": 2,
    "name": ""
  },
  {
    "id": 3,
    "name": "tab\there\nnewline"
  }
]
`},
	}
	for _, tt := range tests {
		ios, _, out, _ := Test()
		ios.SetStdoutTTY(tt.tty)
		p := NewPrinter(ios, tt.format)
		if err := p.PrintTable(sampleTable(items)); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("format %q tty %v:\ngot\n%s\nwant\n%s", tt.format, tt.tty, out.String(), tt.want)
		}
	}
}

func TestPrintTableEmpty(t *testing.T) {
	tests := []struct {
		format, wantOut, wantErr string
	}{
		{FormatJSON, "[]\n", ""},
		{FormatTSV, "", ""},
		{FormatCSV, "ID,NAME\n", ""},
		{FormatTable, "", "no items\n"},
	}
	for _, tt := range tests {
		for _, items := range [][]item{nil, {}} {
			ios, _, out, errOut := Test()
			if err := NewPrinter(ios, tt.format).PrintTable(sampleTable(items)); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.wantOut || errOut.String() != tt.wantErr {
				t.Errorf("%s (nil=%v): out %q err %q, want %q %q", tt.format, items == nil, out, errOut, tt.wantOut, tt.wantErr)
			}
		}
	}
}

func TestPrintRecord(t *testing.T) {
	r := Record{
		Fields:  []Field{{"id", "1"}, {"username", "alice"}, {"phone", ""}},
		Columns: []string{"ID", "USERNAME", "PHONE"},
		Row:     []string{"1", "alice", ""},
		JSON:    map[string]any{"id": 1, "username": "alice", "phone": ""},
	}
	tests := []struct{ format, want string }{
		{FormatTable, "id:        1\nusername:  alice\nphone:     -\n"},
		{FormatTSV, "1\talice\t\n"},
		{FormatCSV, "ID,USERNAME,PHONE\n1,alice,\n"},
		{FormatJSON, "{\n  \"id\": 1,\n  \"phone\": \"\",\n  \"username\": \"alice\"\n}\n"},
	}
	for _, tt := range tests {
		ios, _, out, _ := Test()
		if err := NewPrinter(ios, tt.format).PrintRecord(r); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tt.format, out.String(), tt.want)
		}
	}
}

func TestPrintJSONNoHTMLEscape(t *testing.T) {
	ios, _, out, _ := Test()
	if err := NewPrinter(ios, FormatJSON).PrintJSON(map[string]string{"a": "<b>&"}); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"a\": \"<b>&\"\n}\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestColorEnabled(t *testing.T) {
	ios, _, _, _ := Test()
	if ios.ColorEnabled() {
		t.Error("colour on a pipe")
	}
	ios.SetStdoutTTY(true)
	if !ios.ColorEnabled() {
		t.Error("no colour on a terminal")
	}
	ios.SetNoColor(true)
	if ios.ColorEnabled() {
		t.Error("colour despite NO_COLOR")
	}
}

// TestJSONArray: a streamed array is byte for byte PrintJSON's.
func TestJSONArray(t *testing.T) {
	type item struct {
		A string `json:"a"`
		B []int  `json:"b"`
	}
	for _, items := range [][]item{nil, {{A: "x<y>", B: []int{1, 2}}}, {{A: "1"}, {A: "2", B: []int{}}}} {
		ios, _, want, _ := Test()
		if err := (&Printer{IO: ios, Format: FormatJSON}).PrintJSON(items); err != nil {
			t.Fatal(err)
		}
		ios2, _, got, _ := Test()
		a := (&Printer{IO: ios2, Format: FormatJSON}).JSONArray()
		for _, it := range items {
			if err := a.Add(it); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("streamed %q, want %q", got, want)
		}
	}
}

// TestFitTable: on a narrow terminal the widest free-text column is
// shortened with an ellipsis, then columns are left out; ids never cut.
func TestFitTable(t *testing.T) {
	tab := Table{
		Columns: []string{"ID", "WHEN", "NOTE", "WHO", "EXTRA"},
		Rows: [][]string{
			{"ses_4k7q2mx9d1tf", "2026-03-01T12:00:00Z", "a rather long note about the session", "alice@example.com", "x"},
			{"ses_9b3c0t5hxw2a", "2026-03-01T12:00:00Z", "", "bob", "y"},
		},
		Shrink: []string{"NOTE", "WHO"},
		Drop:   []string{"EXTRA"},
	}
	render := func(width int) string {
		ios, _, out, _ := Test()
		ios.SetStdoutTTY(true)
		ios.SetTerminalWidth(width)
		if err := (&Printer{IO: ios, Format: FormatTable}).PrintTable(tab); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	maxWidth := func(s string) int {
		n := 0
		for _, l := range strings.Split(s, "\n") {
			n = max(n, len([]rune(l)))
		}
		return n
	}
	wide := render(0)
	if !strings.Contains(wide, "a rather long note about the session") || maxWidth(wide) <= 80 {
		t.Fatalf("unknown width: as it is:\n%s", wide)
	}
	if got := render(200); got != wide {
		t.Errorf("wide terminal:\n%s", got)
	}
	// 80 columns: NOTE, the widest, is cut first, then the widest of the
	// two in turn.
	got := render(80)
	want := "ID                WHEN                  NOTE             WHO               EXTRA\n" +
		"ses_4k7q2mx9d1tf  2026-03-01T12:00:00Z  a rather long …  alice@example.c…  x\n" +
		"ses_9b3c0t5hxw2a  2026-03-01T12:00:00Z  -                bob               y\n"
	if got != want {
		t.Errorf("80 columns:\n%s", got)
	}
	// 60: both shrink to their least, then EXTRA goes.
	got = render(60)
	if maxWidth(got) > 60 || strings.Contains(got, "EXTRA") || !strings.Contains(got, "ses_4k7q2mx9d1tf  2026-03-01T12:00:00Z  a rather…  alice@ex…\n") {
		t.Errorf("60 columns:\n%s", got)
	}
	// Too narrow for the ids and times: they wrap whole, never cut.
	got = render(30)
	if !strings.Contains(got, "ses_4k7q2mx9d1tf  2026-03-01T12:00:00Z") {
		t.Errorf("30 columns:\n%s", got)
	}
	// tsv and json are never cut.
	ios, _, out, _ := Test()
	ios.SetTerminalWidth(40)
	if err := (&Printer{IO: ios, Format: FormatTSV}).PrintTable(tab); err != nil || !strings.Contains(out.String(), "about the session") {
		t.Errorf("tsv: %q %v", out, err)
	}
}
