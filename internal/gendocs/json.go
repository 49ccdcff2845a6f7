package gendocs

import (
	"bufio"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"
)

// A JSONObject is what one or more commands print with -o json: Value is
// a value of the type printed (a slice when they print an array).
type JSONObject struct {
	// Commands are the commands that print it, without "acctl".
	Commands []string
	// Value is of the type printed; its contents do not matter.
	Value any
	// Note, if set, is a sentence printed under the heading.
	Note string
}

// JSONReference is the page docs/json.md: for each object, the commands
// that print it and its fields, their JSON types and the doc comments of
// the Go fields (read from the sources under the module root), followed by
// every struct type they contain.
func JSONReference(objs []JSONObject) Page {
	return Page{Path: JSONPage, Write: func(w io.Writer) error {
		docs, err := newFieldDocs()
		if err != nil {
			return err
		}
		r := &jsonWriter{docs: docs, seen: map[reflect.Type]bool{}}
		r.b.WriteString(markdownBanner)
		r.b.WriteString(`# JSON reference

With ` + "`-o json`" + ` acctl prints stable snake_case JSON, the same shapes as the
HTTP API: a list is an array (` + "`[]`" + ` when empty), times are RFC 3339 strings
in UTC, durations whole nanoseconds. New fields may appear in a later
version; no field is removed or renamed. An error is printed on stderr as
` + "`{\"error\":{\"code\":…,\"message\":…,\"reason\":…}}`" + ` (docs/exit-codes.md).

This page is generated from the Go types by ` + "`go run ./cmd/gen-docs`" + `.

## By command

| Command | Prints |
|---------|--------|
`)
		type row struct{ cmd, what string }
		var rows []row
		for _, o := range objs {
			for _, c := range o.Commands {
				rows = append(rows, row{c, r.typeRef(reflect.TypeOf(o.Value))})
			}
		}
		// Stable: a command's objects keep the order of jsonObjects, so that
		// adding one does not reorder the others.
		slices.SortStableFunc(rows, func(a, b row) int { return strings.Compare(a.cmd, b.cmd) })
		for _, x := range rows {
			fmt.Fprintf(&r.b, "| `acctl %s` | %s |\n", x.cmd, mdCell(x.what))
		}
		for _, o := range objs {
			r.object(o)
		}
		for len(r.queue) > 0 {
			t := r.queue[0]
			r.queue = r.queue[1:]
			if !r.seen[t] {
				r.structSection(t, "", nil)
			}
		}
		_, err = io.WriteString(w, r.b.String())
		return err
	}}
}

type jsonWriter struct {
	b     strings.Builder
	docs  *fieldDocs
	seen  map[reflect.Type]bool
	queue []reflect.Type
}

var (
	timeType     = reflect.TypeOf(time.Time{})
	durationType = reflect.TypeOf(time.Duration(0))
)

// object writes the section of a top-level object.
func (r *jsonWriter) object(o JSONObject) {
	t := reflect.TypeOf(o.Value)
	for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || r.seen[t] {
		return
	}
	r.structSection(t, o.Note, o.Commands)
}

// structSection writes the heading and field table of struct type t.
func (r *jsonWriter) structSection(t reflect.Type, note string, commands []string) {
	if t.Name() != "" {
		r.seen[t] = true
	}
	fmt.Fprintf(&r.b, "\n## %s\n\n", r.title(t, commands))
	if t.Name() != "" {
		fmt.Fprintf(&r.b, "Go type: `%s.%s`.", filepath.Base(t.PkgPath()), t.Name())
		if len(commands) > 0 {
			r.b.WriteString(" ")
		}
	}
	if len(commands) > 0 {
		var cs []string
		for _, c := range commands {
			cs = append(cs, "`acctl "+c+"`")
		}
		fmt.Fprintf(&r.b, "Printed by %s.", strings.Join(cs, ", "))
	}
	r.b.WriteString("\n")
	if note != "" {
		fmt.Fprintf(&r.b, "\n%s\n", note)
	}
	r.b.WriteString("\n| Field | Type | Description |\n|-------|------|-------------|\n")
	r.fields(t)
}

// title is the heading of t: its name, or for an unnamed struct the
// command that prints it.
func (r *jsonWriter) title(t reflect.Type, commands []string) string {
	if t.Name() != "" {
		return t.Name()
	}
	if len(commands) > 0 {
		return "acctl " + commands[0]
	}
	return "object"
}

// fields writes one row per JSON field of t, embedded structs flattened.
func (r *jsonWriter) fields(t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				r.fields(ft)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		desc := r.docs.doc(t, f.Name)
		if strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") {
			desc = strings.TrimSpace(desc + " Omitted when empty.")
		}
		typ := r.typeRef(f.Type)
		if strings.Contains(opts, "string") {
			typ = "string (" + typ + ")"
		}
		fmt.Fprintf(&r.b, "| `%s` | %s | %s |\n", name, mdCell(typ), mdCell(desc))
	}
}

// typeRef names the JSON type of t, linking (and queueing) named structs.
func (r *jsonWriter) typeRef(t reflect.Type) string {
	switch {
	case t == timeType:
		return "string (RFC 3339 time)"
	case t == durationType:
		return "integer (nanoseconds)"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return r.typeRef(t.Elem()) + " or null"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "string (base64)"
		}
		return "array of " + r.typeRef(t.Elem())
	case reflect.Map:
		return "object of " + r.typeRef(t.Elem())
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Interface:
		return "any"
	case reflect.Struct:
		if t.Name() == "" {
			return "object"
		}
		if !r.seen[t] && !slices.Contains(r.queue, t) {
			r.queue = append(r.queue, t)
		}
		return fmt.Sprintf("[%s](#%s)", t.Name(), strings.ToLower(t.Name()))
	}
	return t.Kind().String()
}

// fieldDocs reads the doc comments of types, struct fields and interface
// methods from the Go sources of the module.
type fieldDocs struct {
	root, module string
	pkgs         map[string]map[string]string // package path → "Type.Field" or "Type" → doc
}

// newFieldDocs finds the module root above the working directory.
func newFieldDocs() (*fieldDocs, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		if mod, err := modulePath(filepath.Join(dir, "go.mod")); err == nil {
			return &fieldDocs{root: dir, module: mod, pkgs: map[string]map[string]string{}}, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, errors.New("json reference: no go.mod above the working directory")
		}
		dir = parent
	}
}

func modulePath(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.TrimSpace(rest), nil
		}
	}
	return "", errors.New("no module line")
}

// doc returns the doc comment (or line comment) of field of struct t,
// joined on one line; "" when t is not in the module or has none.
func (d *fieldDocs) doc(t reflect.Type, field string) string {
	if t.Name() == "" {
		return ""
	}
	m, ok := d.pkgs[t.PkgPath()]
	if !ok {
		m = d.parse(t.PkgPath())
		d.pkgs[t.PkgPath()] = m
	}
	return m[t.Name()+"."+field]
}

func (d *fieldDocs) parse(pkg string) map[string]string {
	out := map[string]string{}
	rel, ok := strings.CutPrefix(pkg, d.module)
	if !ok {
		return out
	}
	files, _ := filepath.Glob(filepath.Join(d.root, filepath.FromSlash(rel), "*.go"))
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if gd, ok := n.(*ast.GenDecl); ok {
				// The doc of each declared type: its own, or the
				// declaration's when it declares only this type.
				for _, sp := range gd.Specs {
					if ts, ok := sp.(*ast.TypeSpec); ok {
						text := ts.Doc.Text()
						if text == "" && len(gd.Specs) == 1 {
							text = gd.Doc.Text()
						}
						out[ts.Name.Name] = strings.Join(strings.Fields(text), " ")
					}
				}
				return true
			}
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			var list *ast.FieldList
			switch t := ts.Type.(type) {
			case *ast.StructType:
				list = t.Fields
			case *ast.InterfaceType:
				list = t.Methods // "Service.Register": a method's doc
			default:
				return true
			}
			for _, fl := range list.List {
				text := fl.Doc.Text()
				if text == "" {
					text = fl.Comment.Text()
				}
				text = strings.Join(strings.Fields(text), " ")
				for _, id := range fl.Names {
					out[ts.Name.Name+"."+id.Name] = text
				}
			}
			return true
		})
	}
	return out
}

// SourceDocs are the doc comments of the module's Go types, struct fields
// and interface methods, read from the sources under the module root (the
// working directory or above it): the prose of generated references.
type SourceDocs struct{ d *fieldDocs }

// NewSourceDocs finds the module root above the working directory.
func NewSourceDocs() (*SourceDocs, error) {
	d, err := newFieldDocs()
	if err != nil {
		return nil, err
	}
	return &SourceDocs{d}, nil
}

// Field returns the doc comment of the field (or the interface method)
// name of the named type t, on one line; "" when it has none.
func (s *SourceDocs) Field(t reflect.Type, name string) string { return s.d.doc(t, name) }

// Type returns the doc comment of the named type t, on one line.
func (s *SourceDocs) Type(t reflect.Type) string {
	if t.Name() == "" {
		return ""
	}
	if _, ok := s.d.pkgs[t.PkgPath()]; !ok {
		s.d.pkgs[t.PkgPath()] = s.d.parse(t.PkgPath())
	}
	return s.d.pkgs[t.PkgPath()][t.Name()]
}
