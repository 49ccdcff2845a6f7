package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/acctl/acctl/internal/acct"
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
	began := time.Now()
	h := &acct.StoreHealth{Kind: "postgres"}
	add := func(name, value string, status acct.HealthStatus, detail string) {
		h.Checks = append(h.Checks, acct.HealthCheck{Name: name, Value: value, Status: status, Detail: detail})
	}

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

	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	if h.SchemaVersion, err = s.SchemaVersion(ctx); err != nil {
		return nil, err
	}
	if h.SchemaVersion == len(ms) {
		add("schema_version", strconv.Itoa(h.SchemaVersion), acct.HealthOK, "")
	} else {
		add("schema_version", strconv.Itoa(h.SchemaVersion), acct.HealthFailed, fmt.Sprintf("this acctl knows %d", len(ms)))
	}

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
	h.Took = time.Since(began)
	return h, nil
}
