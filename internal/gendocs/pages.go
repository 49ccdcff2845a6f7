package gendocs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// A Page is one generated file besides the command pages: a reference
// made from a definition in the code (the configuration keys, the JSON
// types), written at Path (slash-separated, relative to the output root).
type Page struct {
	Path  string
	Write func(w io.Writer) error
}

// The single pages that Generate's callers write; Diff compares them too.
const (
	ConfigPage = "docs/config.md"
	JSONPage   = "docs/json.md"
	// OpenAPIPage is the OpenAPI document of the HTTP APIs, and
	// OpenAPICopy the copy of it that the binary embeds (package
	// internal/openapi: go:embed cannot reach docs/).
	OpenAPIPage = "docs/openapi.yaml"
	OpenAPICopy = "internal/openapi/openapi.yaml"
)

// pagePaths are the single generated pages Diff compares.
var pagePaths = []string{ConfigPage, JSONPage, OpenAPIPage, OpenAPICopy}

// writePages writes each page under dir.
func writePages(dir string, pages []Page) error {
	for _, p := range pages {
		var buf bytes.Buffer
		if err := p.Write(&buf); err != nil {
			return fmt.Errorf("%s: %w", p.Path, err)
		}
		name := filepath.Join(dir, filepath.FromSlash(p.Path))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// readPages adds the single generated pages under root to files; a
// missing page is left out.
func readPages(root string, files map[string][]byte) error {
	for _, p := range pagePaths {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		files[p] = data
	}
	return nil
}

// mdCell makes text safe in a Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
