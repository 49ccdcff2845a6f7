package root

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
	"github.com/acctl/acctl/internal/postgres"
	"github.com/acctl/acctl/internal/sqlite"
)

// OpenStore opens the store at url itself, without the core: for the
// commands that work below the business rules ("store copy", "store
// check"). The store is picked by the URL as in OpenService. A SQLite
// file is created only when create is set; otherwise a missing one is
// CodeNotFound. A remote store cannot be opened this way.
func OpenStore(ctx context.Context, url string, create bool) (acct.Store, error) {
	kind, path, err := ParseStore(url)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "sqlite":
		if !create {
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				return nil, &acct.Error{Code: acct.CodeNotFound, Field: "store",
					Message: fmt.Sprintf("no SQLite store at %s", path), Err: err}
			}
		}
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		return s, nil
	case "postgres":
		s, err := postgres.Open(ctx, strings.TrimSpace(url))
		if err != nil {
			return nil, fmt.Errorf("open store %s: %w", cmdutil.RedactURL(url), err)
		}
		return s, nil
	case "remote":
		return nil, storeError("store: a remote (http) store cannot be opened directly: use the store of its server")
	}
	return nil, storeError(fmt.Sprintf("store: unknown kind %q", kind))
}
