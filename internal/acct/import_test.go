package acct

import (
	"testing"
	"time"
)

func TestImportRoles(t *testing.T) {
	for _, c := range []struct {
		role Role
		op   string
		ok   bool
	}{
		{RoleAdmin, "ImportUsers", true}, {RoleAdmin, "ExportUsers", true}, {RoleAdmin, "ExportUsersWithHashes", true},
		{RoleAuditor, "ExportUsers", true}, {RoleAuditor, "ExportUsersWithHashes", false}, {RoleAuditor, "ImportUsers", false},
		{RoleSupport, "ExportUsers", false}, {RoleSupport, "ExportUsersWithHashes", false}, {RoleSupport, "ImportUsers", false},
	} {
		if got := Permitted(c.role, c.op); got != c.ok {
			t.Errorf("Permitted(%s, %s) = %v", c.role, c.op, got)
		}
	}
}

func TestIDNote(t *testing.T) {
	for ids, want := range map[*[]int64]string{
		{}:                 "",
		{7}:                " (id 7)",
		{3, 1, 2, 5, 9, 8}: " (ids 1-3, 5, 8-9)",
	} {
		if got := idNote(*ids); got != want {
			t.Errorf("idNote(%v) = %q, want %q", *ids, got, want)
		}
	}
	var many []int64
	for i := range 500 {
		many = append(many, int64(2*i))
	}
	if got := idNote(many); len(got) > 230 || got[len(got)-4:] != "…)" {
		t.Errorf("idNote of 500 scattered ids: %q", got)
	}
}

// An exported primary address needs an entry only when its times are not
// those an import gives by default.
func TestExportAddress(t *testing.T) {
	made := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	later := made.Add(time.Hour)
	rec := &UserRecord{User: User{ID: 1, Email: "a@example.com", EmailVerified: true, CreatedAt: made}}
	for _, c := range []struct {
		a    Address
		need bool
	}{
		{Address{Kind: AddressEmail, Value: "a@example.com", Primary: true, Verified: true, VerifiedAt: &made, CreatedAt: made}, false},
		{Address{Kind: AddressEmail, Value: "a@example.com", Primary: true, Verified: true, VerifiedAt: &later, CreatedAt: made}, true},
		{Address{Kind: AddressEmail, Value: "a@example.com", Primary: true, Verified: true, CreatedAt: made}, true},
		{Address{Kind: AddressEmail, Value: "a@example.com", Primary: true, Verified: false, CreatedAt: made}, true},
		{Address{Kind: AddressEmail, Value: "b@example.com", CreatedAt: made}, true},
	} {
		if _, need := exportAddress(rec, AddressRecord{Address: c.a}); need != c.need {
			t.Errorf("%+v: needed %v, want %v", c.a, need, c.need)
		}
	}
}
