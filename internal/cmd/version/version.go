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
	Version = "dev" // the release, e.g. v1.2.3
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

// Get returns the version information of the running binary.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date, Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && info.Commit == "":
				info.Commit = s.Value
			case s.Key == "vcs.time" && info.Date == "":
				info.Date = s.Value
			}
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
Go version.`),
		Example: `  acctl version
  acctl version -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
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
