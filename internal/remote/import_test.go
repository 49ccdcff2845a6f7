package remote_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/httpapi"
	"github.com/acctl/acctl/internal/remote"
	"github.com/acctl/acctl/internal/sqlite"
)

// A batch whose body passes the server's 1 MiB limit is sent in parts;
// the lines of its rows and the sums of the results stay right.
func TestImportSplitsLargeBatches(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "acctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	local, err := acct.NewLocal(store, acct.Options{Argon2: accttest.FastArgon2, ScramIterations: acct.MinScramIterations, Actor: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	api := httpapi.New(local, testKeys{}, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/ImportUsers") {
			calls.Add(1)
		}
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		srv.Close()
		local.Close()
	})
	c, err := remote.New(srv.URL, keyPrefix+"tester", remote.Options{})
	if err != nil {
		t.Fatal(err)
	}
	name := strings.Repeat("n", 100)
	var rows []acct.ImportRow
	for i := range 3000 { // about 1.3 MB of JSON
		rows = append(rows, acct.ImportRow{Email: new(fmt.Sprintf("user%04d@example.com", i)), FirstName: new(name),
			LastName: new(name), PasswordHash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"})
	}
	rows[2999].Email = new("bad")
	res, err := c.ImportUsers(ctx, acct.ImportBatch{Rows: rows})
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 3000 || res.Created != 2999 || len(res.Rejected) != 1 || res.Rejected[0].Line != 3000 {
		t.Fatalf("result: read %d, created %d, rejected %+v", res.Read, res.Created, res.Rejected)
	}
	if n := calls.Load(); n < 2 {
		t.Fatalf("%d calls, want the batch split", n)
	}
}
