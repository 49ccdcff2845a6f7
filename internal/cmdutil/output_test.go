package cmdutil

import (
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
