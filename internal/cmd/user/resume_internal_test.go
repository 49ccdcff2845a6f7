package user

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestResumeCommandHidesThePassword: the command an interrupted import
// prints to finish it names the store without the password that the
// --store URL may hold (the hint goes to a terminal or a log).
func TestResumeCommandHidesThePassword(t *testing.T) {
	rootCmd := &cobra.Command{Use: "acctl"}
	rootCmd.PersistentFlags().String("store", "", "")
	userCmd := &cobra.Command{Use: "user"}
	importCmd := &cobra.Command{Use: "import"}
	importCmd.Flags().Int("batch", 1000, "")
	rootCmd.AddCommand(userCmd)
	userCmd.AddCommand(importCmd)
	if err := rootCmd.PersistentFlags().Set("store", "postgres://acctl:s3cret@db.example.com/accounts"); err != nil {
		t.Fatal(err)
	}
	if err := importCmd.Flags().Set("batch", "10"); err != nil {
		t.Fatal(err)
	}
	got := resumeCommand(importCmd, "users.csv")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "db.example.com/accounts") ||
		!strings.HasSuffix(got, "user import users.csv --batch 10 --on-conflict skip") {
		t.Errorf("resume command %q: want the store without its password, the flags and --on-conflict skip", got)
	}
}
