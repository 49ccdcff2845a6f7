package gendocs

import (
	"fmt"
	"io"
	"strings"

	"github.com/acctl/acctl/internal/cmdutil"
)

// ConfigReference is the page docs/config.md: every configuration key of
// defs, with its environment variable, default, meaning and the commands
// that use it.
func ConfigReference(defs []cmdutil.KeyDef) Page {
	return Page{Path: ConfigPage, Write: func(w io.Writer) error {
		var b strings.Builder
		b.WriteString(markdownBanner)
		b.WriteString(`# Configuration reference

Each setting comes from, highest precedence first: a command-line flag, an
` + "`ACCTL_*`" + ` environment variable (upper case, dots become underscores:
` + "`deletion.hold` → `ACCTL_DELETION_HOLD`" + `), the config file (` + "`--config FILE`" + `,
else the file ` + "`ACCTL_CONFIG`" + ` names, else ` + "`$XDG_CONFIG_HOME/acctl/config.yaml`" + `),
and finally the default. A list is a YAML list in the file and words
separated by spaces in the environment. Durations are written ` + "`90s`, `15m`,\n`24h`, `14d`" + `.

` + "`acctl config show`" + ` prints each key's effective value and where it came
from; [config.example.yaml](./config.example.yaml) is a commented config
file with every key. This page is generated from the definition of the
keys (` + "`KeyDefs`" + ` in internal/cmdutil/config.go) by ` + "`go run ./cmd/gen-docs`" + `.

| Key | Environment variable | Default |
|-----|----------------------|---------|
`)
		for _, d := range defs {
			fmt.Fprintf(&b, "| [`%s`](#%s) | `%s` | %s |\n", d.Key, anchor(d.Key), cmdutil.EnvVar(d.Key), mdCell(docDefault(d)))
		}
		for _, d := range defs {
			fmt.Fprintf(&b, "\n## %s\n\n%s\n\n", d.Key, d.Meaning)
			fmt.Fprintf(&b, "- Environment: `%s`\n", cmdutil.EnvVar(d.Key))
			fmt.Fprintf(&b, "- Default: %s\n", docDefault(d))
			fmt.Fprintf(&b, "- Used by: %s\n", d.UsedBy)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}}
}

// anchor is the GitHub anchor of a "## key" heading: dots dropped.
func anchor(key string) string {
	return strings.ReplaceAll(key, ".", "")
}

// docDefault shows a key's default as the reference states it.
func docDefault(d cmdutil.KeyDef) string {
	if d.DocDefault != "" {
		return d.DocDefault
	}
	switch v := d.Default.(type) {
	case string:
		if v == "" {
			return "(none)"
		}
		return "`" + v + "`"
	case []string:
		if len(v) == 0 {
			return "(none)"
		}
		return "`" + strings.Join(v, " ") + "`"
	default:
		return fmt.Sprintf("`%v`", v)
	}
}
