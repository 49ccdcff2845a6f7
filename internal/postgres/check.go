package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

var _ acct.Checker = (*Store)(nil)

// minServerVersion is the oldest PostgreSQL the store is meant for (13).
const minServerVersion = 130000

// Check reports on the database: the server's version (older than 13 is a
// warning), the database, role and schema in use, whether the server
// takes writes (a standby in recovery fails the check), the schema
// version, the time of a round trip (the best of three SELECT 1) and the
// state of the connection pool.
func (s *Store) Check(ctx context.Context) (*acct.StoreHealth, error) {
	h := sqlstore.NewHealth("postgres")
	add := h.Add

	var version, db, user, schema string
	var num int
	var recovery bool
	err := s.pool.QueryRow(ctx, `SELECT current_setting('server_version'), current_setting('server_version_num')::int,
		current_database(), current_user, COALESCE(current_schema(), ''), pg_is_in_recovery()`).
		Scan(&version, &num, &db, &user, &schema, &recovery)
	if err != nil {
		return nil, mapError("check: read the server's settings", err)
	}
	if num >= minServerVersion {
		add("server_version", version, acct.HealthOK, "")
	} else {
		add("server_version", version, acct.HealthWarning, "acctl is meant for PostgreSQL 13 or newer")
	}
	add("database", db, acct.HealthInfo, "")
	add("user", user, acct.HealthInfo, "")
	add("schema", schema, acct.HealthInfo, "")
	if recovery {
		add("recovery", "standby", acct.HealthFailed, "the server is a read-only standby: acctl needs the primary")
	} else {
		add("recovery", "primary", acct.HealthOK, "")
	}

	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	h.Schema(v, s.KnownVersion())

	var best time.Duration
	for i := 0; i < 3; i++ {
		t0 := time.Now()
		var one int
		if err := s.pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
			return nil, mapError("check: round trip", err)
		}
		if d := time.Since(t0); i == 0 || d < best {
			best = d
		}
	}
	add("round_trip", best.Round(time.Microsecond).String(), acct.HealthInfo, "")

	st := s.pool.Stat()
	add("pool", fmt.Sprintf("total %d, idle %d, acquired %d, max %d",
		st.TotalConns(), st.IdleConns(), st.AcquiredConns(), st.MaxConns()), acct.HealthInfo, "")
	return h.Done(), nil
}
