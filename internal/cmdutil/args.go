package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// ExactArgs accepts exactly n arguments, described by names (e.g. "REF"),
// and returns a UsageError otherwise.
func ExactArgs(n int, names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		switch {
		case n == 0:
			return UsageErrorf("unexpected argument %q: %s takes none", args[0], cmd.CommandPath())
		case len(args) < n:
			return UsageErrorf("missing argument %s", strings.Join(names[min(len(args), len(names)):], " "))
		default:
			return UsageErrorf("too many arguments: want %s, got %d", strings.Join(names, " "), len(args))
		}
	}
}

// NoArgs accepts no arguments.
var NoArgs = ExactArgs(0)

// OneOfArgs accepts one argument from valid.
func OneOfArgs(valid ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != 1 {
			return UsageErrorf("want one argument: %s", strings.Join(valid, ", "))
		}
		for _, v := range valid {
			if args[0] == v {
				return nil
			}
		}
		return UsageErrorf("unknown argument %q (want %s)", args[0], strings.Join(valid, ", "))
	}
}

// GroupRunE is the RunE of a command that only groups others (a noun such
// as "user"): with no argument it prints the help, with one it reports an
// unknown command as a usage error.
func GroupRunE(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", s[0])
	}
	return UsageErrorf("%s", msg)
}

// FlagErrorFunc wraps cobra's flag errors (unknown flag, bad value) as
// UsageErrors. Set it on the root command.
func FlagErrorFunc(cmd *cobra.Command, err error) error {
	if err == nil {
		return nil
	}
	return &UsageError{Err: err}
}
