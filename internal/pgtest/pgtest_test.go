package pgtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindIn(t *testing.T) {
	dir := t.TempDir()
	noPath := func(string) (string, error) { return "", exec.ErrNotFound }
	versions := filepath.Join(dir, "lib", "*", "bin")
	if _, err := findIn(noPath, versions); err == nil || !strings.Contains(err.Error(), "no initdb and postgres") ||
		!strings.Contains(err.Error(), EnvURL) {
		t.Errorf("nothing installed: %v", err)
	}
	install := func(d string, names ...string) {
		t.Helper()
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(d, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The newest complete version wins: 9 < 13 < 16 by number, not by text;
	// 17 lacks postgres.
	for _, v := range []string{"9", "13", "16"} {
		install(filepath.Join(dir, "lib", v, "bin"), "initdb", "postgres")
	}
	install(filepath.Join(dir, "lib", "17", "bin"), "initdb")
	b, err := findIn(noPath, versions)
	if err != nil || b.initdb != filepath.Join(dir, "lib", "16", "bin", "initdb") || b.postgres != filepath.Join(dir, "lib", "16", "bin", "postgres") {
		t.Errorf("versions: %+v, %v", b, err)
	}
	// PATH comes first, through a symbolic link to the real folder.
	install(filepath.Join(dir, "opt", "pg", "bin"), "initdb", "postgres")
	link := filepath.Join(dir, "bin")
	install(link)
	if err := os.Symlink(filepath.Join(dir, "opt", "pg", "bin", "initdb"), filepath.Join(link, "initdb")); err != nil {
		t.Fatal(err)
	}
	onPath := func(name string) (string, error) {
		if name != "initdb" {
			return "", errors.New("unexpected look-up of " + name)
		}
		return filepath.Join(link, "initdb"), nil
	}
	if b, err := findIn(onPath, versions); err != nil || b.postgres != filepath.Join(dir, "opt", "pg", "bin", "postgres") {
		t.Errorf("on PATH: %+v, %v", b, err)
	}
}

func TestWithSearchPath(t *testing.T) {
	for _, tc := range []struct{ base, want string }{
		{"postgres://u@/db?host=%2Ftmp%2Fx&port=5432", "postgres://u@/db?host=%2Ftmp%2Fx&port=5432&search_path=s1"},
		{"postgres://u@h/db", "postgres://u@h/db?search_path=s1"},
		{"host=h dbname=db", "host=h dbname=db search_path=s1"},
	} {
		if got, err := withSearchPath(tc.base, "s1"); err != nil || got != tc.want {
			t.Errorf("%s: %s, %v; want %s", tc.base, got, err, tc.want)
		}
	}
}
