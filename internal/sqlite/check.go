package sqlite

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

var _ acct.Checker = (*Store)(nil)

// quickCheckLines bounds the messages that PRAGMA quick_check returns for
// a damaged file.
const quickCheckLines = 10

// Check reports on the file: its path, size and mode, the connection
// pragmas against the values the store needs, the schema version, PRAGMA
// quick_check (the structure of every table and index) and PRAGMA
// foreign_key_check (rows that refer to rows that do not exist). A
// damaged file, a wrong pragma or a dangling reference fails the check; a
// file that others may read is a warning.
func (s *Store) Check(ctx context.Context) (*acct.StoreHealth, error) {
	h := sqlstore.NewHealth("sqlite")
	add := h.Add
	add("path", s.path, acct.HealthInfo, "")

	var pages, pageSize int64
	if err := s.r.QueryRowContext(ctx, "SELECT * FROM pragma_page_count(), pragma_page_size()").Scan(&pages, &pageSize); err != nil {
		return nil, mapError("check: read the size", err)
	}
	add("size", fmt.Sprintf("%d bytes (%d pages of %d)", pages*pageSize, pages, pageSize), acct.HealthInfo, "")

	if fi, err := os.Stat(s.path); err != nil {
		add("file_mode", "", acct.HealthFailed, err.Error())
	} else if mode := fi.Mode().Perm(); mode&0o077 != 0 {
		add("file_mode", fmt.Sprintf("%04o", mode), acct.HealthWarning, "others may read or write the file: want 0600")
	} else {
		add("file_mode", fmt.Sprintf("%04o", mode), acct.HealthOK, "")
	}

	got, err := s.Pragmas(ctx)
	if err != nil {
		return nil, err
	}
	for _, name := range pragmaNames {
		if got[name] == wantPragmas[name] {
			add(name, got[name], acct.HealthOK, "")
		} else {
			add(name, got[name], acct.HealthFailed, "want "+wantPragmas[name])
		}
	}

	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	h.Schema(v, s.KnownVersion())

	rows, err := s.r.QueryContext(ctx, fmt.Sprintf("PRAGMA quick_check(%d)", quickCheckLines))
	if err != nil {
		return nil, mapError("check: quick_check", err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return nil, mapError("check: quick_check", err)
		}
		problems = append(problems, line)
	}
	if err := rows.Err(); err != nil {
		// A damaged file may fail the pragma itself.
		add("quick_check", "error", acct.HealthFailed, err.Error())
	} else if len(problems) == 1 && problems[0] == "ok" {
		add("quick_check", "ok", acct.HealthOK, "")
	} else {
		add("quick_check", fmt.Sprintf("%d problems", len(problems)), acct.HealthFailed, strings.Join(problems, "; "))
	}

	// foreign_key_check lists each dangling reference: table, rowid,
	// referred table, foreign key number.
	rows, err = s.r.QueryContext(ctx, "SELECT \"table\", parent, count(*) FROM pragma_foreign_key_check GROUP BY 1, 2 ORDER BY 1, 2")
	if err != nil {
		return nil, mapError("check: foreign_key_check", err)
	}
	var dangling []string
	var n int64
	for rows.Next() {
		var table, parent string
		var count int64
		if err := rows.Scan(&table, &parent, &count); err != nil {
			rows.Close()
			return nil, mapError("check: foreign_key_check", err)
		}
		n += count
		dangling = append(dangling, fmt.Sprintf("%d rows of %s refer to missing rows of %s", count, table, parent))
	}
	if err := rows.Err(); err != nil {
		add("foreign_key_check", "error", acct.HealthFailed, err.Error())
	} else if n == 0 {
		add("foreign_key_check", "ok", acct.HealthOK, "")
	} else {
		add("foreign_key_check", fmt.Sprintf("%d rows", n), acct.HealthFailed, strings.Join(dangling, "; "))
	}
	return h.Done(), nil
}
