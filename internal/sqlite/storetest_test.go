package sqlite

import (
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/storetest"
)

// TestStoreContract runs the acct.Store/Tx contract on SQLite, each case on a
// fresh, empty store.
func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) acct.Store { return openTest(t) })
}
