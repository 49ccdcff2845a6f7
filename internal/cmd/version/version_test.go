package version_test

import (
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/version"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	info := cmdtest.DecodeJSON[version.Info](t, e.MustRun("version", "-o", "json"))
	if info.Version != "dev" || !strings.HasPrefix(info.Go, "go") {
		t.Errorf("json: %+v", info)
	}
	if out := e.MustRunWith(cmdtest.TTY(""), "version"); !strings.HasPrefix(out, "acctl dev") {
		t.Errorf("tty: %q", out)
	}
	if out := e.MustRun("--version"); out != "acctl dev\n" {
		t.Errorf("--version: %q", out)
	}
}
