package root

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/acctl/acctl/internal/acct"
	storecmd "github.com/acctl/acctl/internal/cmd/store"
	"github.com/acctl/acctl/internal/cmdutil"
	"github.com/acctl/acctl/internal/postgres"
	"github.com/acctl/acctl/internal/sqlite"
)

// OpenStore opens the store at url itself, without the core: for the
// commands that work below the business rules ("store copy", "store
// check", "store migrate"). The store is picked by the URL as in
// OpenService. A SQLite file is created only when opts.Create is set;
// otherwise a missing one is CodeNotFound. Its schema is migrated as
// opts.AutoMigrate says, or left as it is with opts.AsIs; with
// opts.KeepOlder, an older schema that would be refused is opened as it
// is. A remote store cannot be opened this way.
func OpenStore(ctx context.Context, url string, opts storecmd.OpenOptions) (acct.Store, error) {
	kind, path, err := ParseStore(url)
	if err != nil {
		return nil, err
	}
	mode := migrateMode(opts.AutoMigrate, kind, opts.AsIs)
	if mode == acct.MigrateRefuse && opts.KeepOlder {
		mode = acct.MigrateNew
	}
	switch kind {
	case "sqlite":
		if !opts.Create {
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				return nil, &acct.Error{Code: acct.CodeNotFound, Field: "store",
					Message: fmt.Sprintf("no SQLite store at %s", path), Err: err}
			}
		}
		s, err := sqlite.OpenWith(ctx, path, sqlite.Options{Migrate: mode})
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		return s, nil
	case "postgres":
		s, err := postgres.OpenWith(ctx, strings.TrimSpace(url), postgres.Options{Migrate: mode})
		if err != nil {
			return nil, fmt.Errorf("open store %s: %w", cmdutil.RedactURL(url), err)
		}
		return s, nil
	case "remote":
		return nil, storeError("store: a remote (http) store cannot be opened directly: use the store of its server")
	}
	return nil, storeError(fmt.Sprintf("store: unknown kind %q", kind))
}

// migrateMode is what opening a store of kind does with an older schema:
// nothing when asIs, else what the auto_migrate setting says for kind
// (cmdutil.AutoMigrates): apply the migrations, or refuse.
func migrateMode(setting, kind string, asIs bool) acct.MigrateMode {
	switch {
	case asIs:
		return acct.MigrateNone
	case cmdutil.AutoMigrates(setting, kind):
		return acct.MigrateAuto
	}
	return acct.MigrateRefuse
}
