package root

import (
	"testing"

	"github.com/acctl/acctl/internal/cmdutil"
)

func TestParseStore(t *testing.T) {
	t.Setenv("HOME", "/home/alice")
	good := []struct{ in, kind, path string }{
		{"/var/lib/acctl/acctl.db", "sqlite", "/var/lib/acctl/acctl.db"},
		{"acctl.db", "sqlite", "acctl.db"},
		{"~/acctl.db", "sqlite", "/home/alice/acctl.db"},
		{"sqlite:/tmp/a.db", "sqlite", "/tmp/a.db"},
		{"sqlite:~/a.db", "sqlite", "/home/alice/a.db"},
		{"sqlite:///tmp/a.db", "sqlite", "/tmp/a.db"},
		{"file:rel/a.db", "sqlite", "rel/a.db"},
		{"file:///tmp/a.db", "sqlite", "/tmp/a.db"},
		{"postgres://u:pw@db/acctl", "postgres", ""},
		{"postgresql://db/acctl", "postgres", ""},
		{"https://acctl.example.com", "remote", ""},
		{"http://localhost:8080", "remote", ""},
	}
	for _, tt := range good {
		kind, path, err := ParseStore(tt.in)
		if err != nil || kind != tt.kind || path != tt.path {
			t.Errorf("ParseStore(%q) = %q, %q, %v; want %q, %q", tt.in, kind, path, err, tt.kind, tt.path)
		}
	}
	for _, in := range []string{"", "  ", "mysql://db", "sqlite:", "file:a.db?mode=ro"} {
		if _, _, err := ParseStore(in); cmdutil.ExitCode(err) != 2 {
			t.Errorf("ParseStore(%q): err %v, want an invalid error", in, err)
		}
	}
}
