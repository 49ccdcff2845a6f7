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

// formatsAnnotation is the cobra annotation that lists the -o formats a
// command prints (SetFormats).
const formatsAnnotation = "acctl_formats"

// SetFormats declares the only -o formats cmd can print; none: it prints
// nothing -o could shape (a server, a shell script). A command without
// the declaration prints every format. The rule, for every command: a
// format given with -o on the command line is honoured or refused (exit
// 2), never ignored; from ACCTL_OUTPUT or the config file, a format the
// command cannot print leaves it to its own.
func SetFormats(cmd *cobra.Command, formats ...string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[formatsAnnotation] = strings.Join(formats, ",")
}

// CheckOutputFlag refuses, as a usage error, a -o given on the command
// line that cmd cannot print (SetFormats). The root command runs it
// before every command.
func CheckOutputFlag(cmd *cobra.Command, args []string) error {
	fl := cmd.Flags().Lookup("output")
	if fl == nil || !fl.Changed {
		return nil
	}
	list, ok := cmd.Annotations[formatsAnnotation]
	if !ok {
		return nil
	}
	format := strings.TrimSpace(fl.Value.String())
	if list == "" {
		return UsageErrorf("-o %s: %s prints no output that -o could format; leave -o out", format, cmd.CommandPath())
	}
	allowed := strings.Split(list, ",")
	for _, a := range allowed {
		if a == format {
			return nil
		}
	}
	return UsageErrorf("-o %s: %s prints only %s", format, cmd.CommandPath(), strings.Join(allowed, " or "))
}
