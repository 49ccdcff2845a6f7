package completion_test

import (
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/cmd/cmdtest"
)

func TestCompletion(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	for shell, marker := range map[string]string{
		"bash":       "__start_acctl",
		"zsh":        "#compdef acctl",
		"fish":       "complete -c acctl",
		"powershell": "Register-ArgumentCompleter",
	} {
		if out := e.MustRun("completion", shell); !strings.Contains(out, marker) {
			t.Errorf("%s: no %q in the script", shell, marker)
		}
	}
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		if res := e.Run(args...); res.Code != 2 {
			t.Errorf("%v: %+v", args, res)
		}
	}
}
