package sqlite

import (
	"database/sql/driver"
	"strings"

	msqlite "modernc.org/sqlite"
)

// foldFunc is the SQL function that lower-cases text the way Go does, for
// all of Unicode. SQLite's own LIKE and lower() fold only ASCII, so a
// search for "élodie" would miss "Élodie" (PostgreSQL's ILIKE finds it).
const foldFunc = "acctl_fold"

func init() {
	msqlite.MustRegisterDeterministicScalarFunction(foldFunc, 1,
		func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			if s, ok := args[0].(string); ok {
				return strings.ToLower(s), nil
			}
			return args[0], nil
		})
}
