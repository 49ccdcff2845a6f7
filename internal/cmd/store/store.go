// Package store holds the "acctl store" commands: copy (move every row
// from one store to another), check (the health of a store) and migrate
// (bring its schema to this acctl's version). They work
// on the stores themselves, below the business rules, so they open a
// store through an Opener rather than the Factory's Service.
package store

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// Opener opens the store at url (a path, sqlite:PATH or postgres://…).
// The composition root gives the real one (root.OpenStore).
type Opener func(ctx context.Context, url string, opts OpenOptions) (acct.Store, error)

// OpenOptions say how an Opener opens a store.
type OpenOptions struct {
	// Create creates a SQLite file that does not exist.
	Create bool
	// AutoMigrate is the auto_migrate setting (cmdutil.Config), which
	// says whether an older schema is migrated or refused.
	AutoMigrate string
	// AsIs opens a store as it is, with no schema or an older one,
	// whatever AutoMigrate says: for the command that migrates it. A
	// newer schema is refused all the same.
	AsIs bool
	// KeepOlder opens a store with an older schema as it is where
	// AutoMigrate would refuse it (a store with none is still given one):
	// for the command that reports on it.
	KeepOlder bool
}

// NewCmdStore returns the "store" command and its verbs.
func NewCmdStore(f *cmdutil.Factory, open Opener) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store <command>",
		Short: "Copy a store to another, check a store's health, migrate its schema",
		Long: cmdutil.LongHelp(`Work on the store itself: copy every row of a store into another (from a
SQLite file to PostgreSQL when one machine is outgrown, and back), check
a store's health, and bring its schema to this acctl's version.

A store is named as with --store: a path, sqlite:PATH, or a postgres:// URL.
A password in a URL is never printed.`),
		Example: `  acctl store check
  acctl store migrate --dry-run
  acctl store copy --to 'postgres://acctl@db.example.com/acctl'
  acctl store copy --from postgres://acctl@db/acctl --to /backup/acctl.db`,
		Args: cobra.ArbitraryArgs,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(
		NewCmdCopy(f, open, nil),
		NewCmdCheck(f, open, nil),
		NewCmdMigrate(f, open, nil),
	)
	return cmd
}
