package cmdutil

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// The output formats of -o/--output. "" means auto: table when stdout is a
// terminal, tsv otherwise.
const (
	FormatTable = "table"
	FormatTSV   = "tsv"
	FormatJSON  = "json"
	FormatCSV   = "csv"
)

// ResolveFormat turns "" (auto) into table or tsv by whether stdout is a
// terminal.
func ResolveFormat(format string, ios *IOStreams) string {
	if format != "" {
		return format
	}
	if ios.IsStdoutTTY() {
		return FormatTable
	}
	return FormatTSV
}

// Printer writes command results to stdout in the chosen format.
type Printer struct {
	IO     *IOStreams
	Format string // table, tsv, json or csv; never ""
}

// NewPrinter returns a Printer for format ("" = auto).
func NewPrinter(ios *IOStreams, format string) *Printer {
	return &Printer{IO: ios, Format: ResolveFormat(format, ios)}
}

// JSON reports whether the output is JSON.
func (p *Printer) JSON() bool { return p.Format == FormatJSON }

// Human reports whether the output is for people (the table format).
func (p *Printer) Human() bool { return p.Format == FormatTable }

// Table is a result with rows: Columns head the table and the CSV, Rows
// are the cells, JSON is the value printed with -o json (a slice, which is
// printed as [] when empty).
type Table struct {
	Columns []string
	Rows    [][]string
	JSON    any
	// Empty, if set, is written to stderr instead of an empty table (table
	// format only), e.g. "no users".
	Empty string
	// NoHeader leaves out the header line of the table and the CSV: the
	// rows continue an earlier Table (the next page of a streamed list).
	NoHeader bool
	// Shrink names the free-text columns (a label, a detail, a name) that
	// may be shortened with an ellipsis so that the table fits the
	// terminal, the widest first; never an id or a time.
	Shrink []string
	// Drop names the columns that may be left out of the table, in this
	// order, when shrinking is not enough.
	Drop []string
}

// PrintTable writes t in the printer's format.
func (p *Printer) PrintTable(t Table) error {
	switch p.Format {
	case FormatJSON:
		return p.PrintJSON(t.JSON)
	case FormatCSV:
		if t.NoHeader {
			return writeCSV(p.IO.Out, nil, t.Rows)
		}
		return writeCSV(p.IO.Out, t.Columns, t.Rows)
	case FormatTSV:
		return writeTSV(p.IO.Out, t.Rows)
	default:
		if len(t.Rows) == 0 && t.Empty != "" {
			_, err := fmt.Fprintln(p.IO.ErrOut, t.Empty)
			return err
		}
		columns, rows := fitTable(t, p.IO.TerminalWidth())
		return writeTable(p.IO.Out, columns, rows, !t.NoHeader)
	}
}

// Field is one line of a single record's key/value listing.
type Field struct {
	Key   string
	Value string
}

// Record is a single result: Fields are listed one per line on a
// terminal; Columns and Row are its tsv/csv form (the same columns as a
// list of such records); JSON is printed with -o json.
type Record struct {
	Fields  []Field
	Columns []string
	Row     []string
	JSON    any
}

// PrintRecord writes one record in the printer's format.
func (p *Printer) PrintRecord(r Record) error {
	switch p.Format {
	case FormatJSON:
		return p.PrintJSON(r.JSON)
	case FormatCSV:
		return writeCSV(p.IO.Out, r.Columns, [][]string{r.Row})
	case FormatTSV:
		return writeTSV(p.IO.Out, [][]string{r.Row})
	default:
		tw := tabwriter.NewWriter(p.IO.Out, 0, 4, 2, ' ', 0)
		for _, f := range r.Fields {
			fmt.Fprintf(tw, "%s:\t%s\n", f.Key, orDash(oneLine(f.Value)))
		}
		return tw.Flush()
	}
}

// PrintJSON writes v as JSON indented by two spaces, followed by a newline.
// A nil slice is written as [], never null.
func (p *Printer) PrintJSON(v any) error {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice && rv.IsNil() {
		v = reflect.MakeSlice(rv.Type(), 0, 0).Interface()
	}
	enc := json.NewEncoder(p.IO.Out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// Textf writes a line for people (table format) to stdout.
func (p *Printer) Textf(format string, args ...any) error {
	_, err := fmt.Fprintf(p.IO.Out, format+"\n", args...)
	return err
}

func writeTSV(w io.Writer, rows [][]string) error {
	var b strings.Builder
	for _, row := range rows {
		for i, c := range row {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(oneLine(c))
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeCSV(w io.Writer, columns []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	if columns != nil {
		if err := cw.Write(columns); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

func writeTable(w io.Writer, columns []string, rows [][]string, header bool) error {
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  ", Overwrite: true}),
	)
	if header {
		t.Header(columns)
	}
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = orDash(oneLine(c))
		}
		if err := t.Append(cells); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	// The padding leaves spaces at the end of each line; drop them.
	var out strings.Builder
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		nl := strings.HasSuffix(line, "\n")
		out.WriteString(strings.TrimRight(line, " \n"))
		if nl {
			out.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, out.String())
	return err
}

// oneLine replaces tabs, carriage returns and newlines with spaces.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\t\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\r', '\n':
			return ' '
		}
		return r
	}, s)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// FormatTime writes t as RFC 3339 in UTC, "" for the zero time.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// FormatTimePtr is FormatTime for an optional time.
func FormatTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return FormatTime(*t)
}

// FormatBool writes true or false.
func FormatBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// JSONArray writes a JSON array one element at a time, byte for byte as
// PrintJSON writes the whole slice: a list of many pages is streamed, not
// held. Close ends it ("[]" when nothing was added).
type JSONArray struct {
	w io.Writer
	n int
}

// JSONArray starts a streamed JSON array on stdout.
func (p *Printer) JSONArray() *JSONArray { return &JSONArray{w: p.IO.Out} }

// Add writes one element.
func (a *JSONArray) Add(v any) error {
	var buf bytes.Buffer
	if a.n == 0 {
		buf.WriteString("[\n  ")
	} else {
		buf.WriteString(",\n  ")
	}
	enc := json.NewEncoder(&buf)
	enc.SetIndent("  ", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	a.n++
	_, err := a.w.Write(buf.Bytes())
	return err
}

// Close ends the array.
func (a *JSONArray) Close() error {
	end := "\n]\n"
	if a.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(a.w, end)
	return err
}
