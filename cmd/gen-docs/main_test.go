package main

import (
	"reflect"

	"github.com/spf13/cobra"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/cmdutil"
	"github.com/acctl/acctl/internal/gendocs"
)

// repoRoot is the repository root, seen from this package's folder (go test
// runs a package's tests in its own folder).
const repoRoot = "../.."

// TestDocsAreFresh fails when the committed docs/cli, docs/man or
// completions/ differ from what the current command tree generates.
func TestDocsAreFresh(t *testing.T) {
	dir := t.TempDir()
	if err := run(dir); err != nil {
		t.Fatal(err)
	}
	diff, err := gendocs.Diff(dir, repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if len(diff) > 0 {
		t.Errorf("docs are stale: run go run ./cmd/gen-docs\n\t%s", strings.Join(diff, "\n\t"))
	}
}

// TestGenerationIsMachineIndependent generates twice, under different home
// folders and ACCTL_* settings, and expects identical files: a flag default
// taken from the environment would make the docs differ between machines.
func TestGenerationIsMachineIndependent(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	for i, dir := range dirs {
		home := t.TempDir()
		t.Setenv("HOME", home)
		t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
		t.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
		t.Setenv("ACCTL_STORE", filepath.Join(home, "store", "acctl.db"))
		t.Setenv("ACCTL_OUTPUT", []string{"json", "table"}[i])
		if err := run(dir); err != nil {
			t.Fatal(err)
		}
		// The generator must not have created anything outside dir: not in
		// the real home folder, nor in the "~" that stableEnv sets as HOME
		// (a folder named "~" invites a fatal `rm -rf ~`).
		if entries, err := os.ReadDir(home); err != nil || len(entries) != 0 {
			t.Errorf("run %d wrote into the home folder: %v %v", i, entries, err)
		}
		if _, err := os.Stat("~"); !os.IsNotExist(err) {
			t.Errorf("run %d created a folder named ~ (err %v)", i, err)
		}
	}
	diff, err := gendocs.Diff(dirs[0], dirs[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(diff) > 0 {
		t.Errorf("generated docs depend on the environment: %v", diff)
	}
}

// TestJSONObjectsCoverEveryCommand: every command that runs is described
// in docs/json.md, or listed as printing no JSON object.
func TestJSONObjectsCoverEveryCommand(t *testing.T) {
	root, err := newRootCmd()
	if err != nil {
		t.Fatal(err)
	}
	described := map[string]bool{}
	for _, o := range jsonObjects {
		for _, c := range o.Commands {
			described[c] = true
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if !c.Runnable() || !c.IsAvailableCommand() || c == root {
			return
		}
		name := strings.TrimPrefix(c.CommandPath(), "acctl ")
		if c.RunE != nil && reflect.ValueOf(c.RunE).Pointer() == reflect.ValueOf(cmdutil.GroupRunE).Pointer() {
			return // a group that only prints its help (user, session…)
		}
		if !described[name] && noJSONObject[name] == "" {
			t.Errorf("%q prints what? add it to jsonObjects or noJSONObject (cmd/gen-docs/extras.go)", name)
		}
		delete(described, name)
	}
	walk(root)
	for name := range described {
		t.Errorf("jsonObjects names %q, which is no command", name)
	}
}
