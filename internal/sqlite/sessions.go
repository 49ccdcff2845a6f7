package sqlite

import (
	"context"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// purgeCache is the page cache of the write connection, in KiB (negative,
// as in writeCache), while DeleteSessions runs. A batch of a large purge
// deletes entries all over the random-keyed token and id indexes, which
// have 23,000 pages at 1,000,000 sessions: in writeCache's 64 MiB the
// batch's dirty pages overflow the cache, are spilled to the WAL and
// written again at the commit. With 128 MiB a purge of 500,000 of
// 1,000,000 sessions is about a tenth faster. The memory is taken only as
// pages are read, and handed back at the commit.
const purgeCache = "-131072"

// DeleteSessions is the shared sqlstore.Tx.DeleteSessions (at most limit
// sessions that expired or ended at or before cutoff), run with the page
// cache at purgeCache; it sets back the connection's own before it
// returns: the dirty pages stay until the commit, the clean ones beyond
// the smaller cache go then.
func (t *txn) DeleteSessions(ctx context.Context, cutoff time.Time, limit int) (total int64, err error) {
	if limit <= 0 {
		return t.Tx.DeleteSessions(ctx, cutoff, limit) // refused there
	}
	var cache string
	if err := t.tx.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err != nil {
		return 0, mapError("delete sessions: read the page cache size", err)
	}
	if _, err := t.tx.ExecContext(ctx, "PRAGMA cache_size = "+purgeCache); err != nil {
		return 0, mapError("delete sessions: set the page cache size", err)
	}
	defer func() {
		_, rerr := t.tx.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = "+cache)
		if rerr != nil && err == nil {
			err = mapError("delete sessions: restore the page cache size", rerr)
		}
	}()
	return t.Tx.DeleteSessions(ctx, cutoff, limit)
}

var _ acct.SessionUserReader = (*Store)(nil)

// ReadSessionUser is sqlstore's GetSessionUser run on the read pool
// without a transaction (acct.SessionUserReader): SQLite runs the one
// SELECT in a read snapshot of its own, and the BEGIN and COMMIT of a
// View, about a tenth of a validation's time, are spared.
func (s *Store) ReadSessionUser(ctx context.Context, tokenHash []byte) (*acct.SessionRecord, *acct.UserRecord, error) {
	return sqlstore.NewTx(s.r, dialect, sqlstore.TxOptions{}).GetSessionUser(ctx, tokenHash)
}
