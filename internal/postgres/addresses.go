package postgres

import (
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// addressColumns is the column list that scanAddress reads (the shared
// one of internal/sqlstore).
const addressColumns = sqlstore.AddressColumns

// addressKeys names the unique keys of addresses as sqlstore's
// Dialect.UniqueKey does, by constraint.
var addressKeys = map[string]string{
	"addresses_kind_value_key":    "addresses(kind,value)",
	"addresses_kind_skeleton_key": "addresses(kind,skeleton)", // 0009
}

// scanAddress reads one row of addressColumns.
func scanAddress(row pgx.Row) (*acct.AddressRecord, error) {
	var rec acct.AddressRecord
	var kind string
	var createdAt time.Time
	var skeleton *string
	err := row.Scan(&rec.Seq, &rec.UserID, &kind, &rec.Value, &rec.Primary, &rec.Verified, &rec.VerifiedAt, &createdAt, &skeleton)
	if err != nil {
		return nil, err
	}
	rec.Skeleton = deref(skeleton)
	rec.Kind = acct.AddressKind(kind)
	rec.VerifiedAt = utc(rec.VerifiedAt)
	rec.CreatedAt = createdAt.UTC()
	return &rec, nil
}
