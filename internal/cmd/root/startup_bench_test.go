package root_test

import (
	"context"
	"testing"

	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/root"
)

// BenchmarkStartup is the part of a process's start-up that acctl's own
// code spends before and around a command, in-process: building the
// command tree, and whole runs of `version` and `user get` on a small
// SQLite store (the Factory, the configuration, the store opened, the
// lookup, the output). The Go runtime and the packages' initialisation
// come before it (GODEBUG=inittrace=1); docs/benchmarks.md has both.
//
//	go test ./internal/cmd/root -run '^$' -bench Startup -benchmem -count 6
func BenchmarkStartup(b *testing.B) {
	e := cmdtest.New(b)
	e.Register("--email", "alice@example.com", "--username", "alice")
	b.Run("tree", func(b *testing.B) {
		f, _, _ := e.Factory(cmdtest.Run{})
		b.ReportAllocs()
		for b.Loop() {
			root.NewRootCmd(f)
		}
	})
	run := func(b *testing.B, args ...string) {
		b.ReportAllocs()
		for b.Loop() {
			f, _, errOut := e.Factory(cmdtest.Run{})
			if code := root.Execute(context.Background(), f, args); code != 0 {
				b.Fatalf("%v: exit %d: %s", args, code, errOut)
			}
		}
	}
	b.Run("version", func(b *testing.B) { run(b, "version") })
	b.Run("user-get", func(b *testing.B) { run(b, "user", "get", "alice", "-o", "json") })
}
