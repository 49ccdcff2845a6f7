package sqlite

import (
	"regexp"
	"testing"
)

// TestPointsLedgerPlan checks that a page of one account's ledger reads
// the ledger's user index (the ledger itself is in the storetest contract).
func TestPointsLedgerPlan(t *testing.T) {
	s := openTest(t)
	if plan := queryPlan(t, s.w, "SELECT id FROM points_ledger WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT 5", 1, 9); !regexp.MustCompile(`USING (COVERING )?INDEX points_ledger_user_id`).MatchString(plan) {
		t.Errorf("ledger query plan: %s", plan)
	}
}
