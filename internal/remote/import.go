package remote

import (
	"context"
	"encoding/json"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
)

// ImportUsers sends a batch to the server. A batch whose body would pass
// the server's limit (api.MaxBodyBytes) is sent in halves, each its own
// transaction there, and their results are added up; rows conflict across
// the halves as they would within one batch.
func (c *Client) ImportUsers(ctx context.Context, in acct.ImportBatch) (*acct.ImportResult, error) {
	if len(in.Rows) > 1 {
		body, err := json.Marshal(in)
		if err != nil {
			return nil, acct.Internal(err, "encode the request")
		}
		if len(body) > api.MaxBodyBytes {
			// The line of a row is its position in the batch unless given:
			// keep it through the split.
			rows := make([]acct.ImportRow, len(in.Rows))
			for i, r := range in.Rows {
				if r.Line <= 0 {
					r.Line = i + 1
				}
				rows[i] = r
			}
			half := len(rows) / 2
			first, second := in, in
			first.Rows, second.Rows = rows[:half], rows[half:]
			a, err := c.ImportUsers(ctx, first)
			if err != nil {
				return nil, err
			}
			b, err := c.ImportUsers(ctx, second)
			if err != nil {
				return nil, err
			}
			a.Read += b.Read
			a.Created += b.Created
			a.Updated += b.Updated
			a.Skipped += b.Skipped
			a.Rejected = append(a.Rejected, b.Rejected...)
			return a, nil
		}
	}
	return do[*acct.ImportResult](ctx, c, "ImportUsers", in)
}

func (c *Client) ExportUsers(ctx context.Context, q acct.ExportQuery) (*acct.ExportPage, error) {
	return do[*acct.ExportPage](ctx, c, "ExportUsers", q)
}

func (c *Client) ExportUsersWithHashes(ctx context.Context, q acct.ExportQuery) (*acct.ExportPage, error) {
	return do[*acct.ExportPage](ctx, c, "ExportUsersWithHashes", q)
}
