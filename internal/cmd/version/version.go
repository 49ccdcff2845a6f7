// Package version holds acctl's version, stamped at build time, and the
// "acctl version" command.
package version

import (
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// Set at build time with
//
//	-ldflags "-X github.com/acctl/acctl/internal/cmd/version.Version=v1.2.3
//	          -X github.com/acctl/acctl/internal/cmd/version.Commit=abc1234
//	          -X github.com/acctl/acctl/internal/cmd/version.Date=2026-01-02T03:04:05Z"
var (
	Version = "dev" // the release, e.g. v1.2.3; from the build info when not stamped
	Commit  = ""    // the git commit; from the build info when not stamped
	Date    = ""    // the build date, RFC 3339
)

// Info is the output of "acctl version".
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
}

// Get returns the version information of the running binary: what the
// release build stamped with -ldflags, and for what it did not stamp (any
// build but goreleaser's: `go install …@v1.2.3`, `go build` in a clone) the
// module version and VCS revision that the go command records in the build
// info.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return withBuildInfo(Info{Version: Version, Commit: Commit, Date: Date, Go: runtime.Version()}, bi)
}

// withBuildInfo fills the fields of info that were not stamped from bi (which
// may be nil). The module version replaces "dev" unless it is "(devel)" or
// empty, as it is in a test binary or a build outside version control.
func withBuildInfo(info Info, bi *debug.BuildInfo) Info {
	if bi == nil {
		return info
	}
	if info.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && info.Commit == "":
			info.Commit = s.Value
		case s.Key == "vcs.time" && info.Date == "":
			info.Date = s.Value
		}
	}
	return info
}

// NewCmdVersion returns "acctl version".
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of acctl",
		Long: cmdutil.LongHelp(`Print the version of acctl, the commit and date it was built from, and the
Go version.

A release build names its release. Another build names the module version
the go command recorded (` + "`go install github.com/acctl/acctl/cmd/acctl@v1.2.3`" + `
gives v1.2.3, a build in a git clone a pseudo-version such as
v0.0.0-20260102030405-abcdef123456+dirty) and the commit it was built from;
"dev" only when neither is known.`),
		Example: `  acctl version
  acctl version -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f.QuietUnknownKeys = true // the version does not depend on the config
			p, err := f.Printer()
			if err != nil {
				return err
			}
			info := Get()
			if p.Human() {
				line := "acctl " + info.Version
				if info.Commit != "" {
					line += " (commit " + short(info.Commit)
					if info.Date != "" {
						line += ", built " + info.Date
					}
					line += ")"
				}
				return p.Textf("%s", line)
			}
			return p.PrintRecord(cmdutil.Record{
				Columns: []string{"VERSION", "COMMIT", "DATE", "GO"},
				Row:     []string{info.Version, info.Commit, info.Date, info.Go},
				JSON:    info,
			})
		},
	}
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
