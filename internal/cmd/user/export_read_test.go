package user

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// fakeExport serves pages of the accounts ids (in order) as Local does:
// the accounts after the cursor, up to limit, and the last one's id as the
// next cursor. Other cursor styles: "word" (after-ID, not a number) and
// "scaled" (the id times 3: a number, not the id). A page with the
// account failAt fails.
func fakeExport(ids []int64, style string, failAt int64) func(context.Context, acct.ExportQuery) (*acct.ExportPage, error) {
	return func(ctx context.Context, q acct.ExportQuery) (*acct.ExportPage, error) {
		after := int64(0)
		var err error
		switch {
		case q.Cursor == "":
		case style == "word":
			_, err = fmt.Sscanf(q.Cursor, "after-%d", &after)
		case style == "scaled":
			after, err = strconv.ParseInt(q.Cursor, 10, 64)
			after /= 3
		default:
			after, err = strconv.ParseInt(q.Cursor, 10, 64)
		}
		if err != nil {
			return nil, err
		}
		p := &acct.ExportPage{}
		for _, id := range ids {
			if id <= after {
				continue
			}
			if len(p.Rows) == q.Limit {
				last := p.Rows[len(p.Rows)-1].ID
				switch style {
				case "word":
					p.Next = fmt.Sprintf("after-%d", last)
				case "scaled":
					p.Next = strconv.FormatInt(3*last, 10)
				default:
					p.Next = strconv.FormatInt(last, 10)
				}
				break
			}
			if id == failAt {
				return nil, errors.New("broken page")
			}
			p.Rows = append(p.Rows, acct.ExportRow{User: acct.User{ID: id}})
		}
		return p, nil
	}
}

func TestReadPages(t *testing.T) {
	var dense, gaps, clustered []int64
	for i := int64(1); i <= 1000; i++ {
		dense = append(dense, i)
		if i%7 != 0 && i%11 != 0 {
			gaps = append(gaps, i)
		}
		if i < 100 || (i > 500 && i%50 == 0) || i > 990 {
			clustered = append(clustered, i)
		}
	}
	sets := map[string][]int64{"dense": dense, "gaps": gaps, "clustered": clustered, "empty": nil, "one": {42}}
	for name, ids := range sets {
		for _, limit := range []int{1, 2, 3, 10, 64, 999, 1000, 5000} {
			for _, style := range []string{"id", "word", "scaled"} {
				t.Run(fmt.Sprintf("%s/%d/%s", name, limit, style), func(t *testing.T) {
					var got []int64
					for p := range readPages(t.Context(), fakeExport(ids, style, -1), acct.ExportQuery{Limit: limit}) {
						if p.err != nil {
							t.Fatal(p.err)
						}
						for _, r := range p.rows {
							got = append(got, r.ID)
						}
					}
					if !slices.Equal(got, ids) {
						t.Errorf("got %d accounts %v, want %d", len(got), got, len(ids))
					}
				})
			}
		}
	}
}

func TestReadPagesError(t *testing.T) {
	var ids []int64
	for i := int64(1); i <= 100; i++ {
		ids = append(ids, i)
	}
	var got []int64
	var err error
	for p := range readPages(t.Context(), fakeExport(ids, "id", 55), acct.ExportQuery{Limit: 10}) {
		if p.err != nil {
			err = p.err
			continue
		}
		for _, r := range p.rows {
			got = append(got, r.ID)
		}
	}
	if err == nil || err.Error() != "broken page" {
		t.Fatalf("error %v, want the page's", err)
	}
	if !slices.Equal(got, ids[:50]) {
		t.Errorf("got %v before the error, want 1 to 50", got)
	}
}
