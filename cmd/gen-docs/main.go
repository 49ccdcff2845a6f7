// Command gen-docs writes acctl's generated documentation from its cobra
// command tree: Markdown pages in docs/cli, man pages in docs/man, and shell
// completion scripts in completions/. Run it from the repository root after
// changing a command:
//
//	go run ./cmd/gen-docs
//
// A test (go test ./cmd/gen-docs) fails when the committed files are stale.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/acctl/acctl/internal/gendocs"
)

func main() {
	dir := flag.String("dir", ".", "write docs/cli, docs/man and completions/ under `DIR`")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: gen-docs [-dir DIR]\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*dir); err != nil {
		fmt.Fprintf(os.Stderr, "gen-docs: %v\n", err)
		os.Exit(1)
	}
}

// run generates the documentation of acctl's command tree under dir.
func run(dir string) error {
	stableEnv()
	root, err := newRootCmd()
	if err != nil {
		return err
	}
	return gendocs.GenerateWith(root, dir, extras())
}

// stableEnv makes the environment the same on every machine before the
// command tree is built, so that no flag default shown in the docs (a default
// store path under the home folder, a value taken from ACCTL_* variables or a
// config file) depends on who runs the generator. HOME is set to "~", so a
// default under the home folder reads "~/.local/share/acctl/acctl.db".
func stableEnv() {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "ACCTL_") {
			os.Unsetenv(name)
		}
	}
	for _, name := range []string{"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"} {
		os.Unsetenv(name)
	}
	os.Setenv("HOME", "~")
	os.Setenv("NO_COLOR", "1")
}
