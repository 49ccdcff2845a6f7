package acct

import (
	"fmt"
	"reflect"
	"sync"
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

// TestPrepareImportConcurrent: batches prepared on several goroutines at
// once (as "user import" does) hold exactly what ImportUsers' own check
// makes of each row, errors included; run with -race.
func TestPrepareImportConcurrent(t *testing.T) {
	l := &Local{opt: Options{PasswordMinLength: 15, PhoneRegion: "GB"}}
	rowsOf := func(k int) []ImportRow {
		var rows []ImportRow
		for i := range 50 {
			r := ImportRow{Line: k*100 + i + 2, Username: new(fmt.Sprintf("User_%d_%d", k, i)),
				Email: new(fmt.Sprintf(" U%d.%d@Example.COM", k, i)), Phone: new(fmt.Sprintf("07400 %03d%03d", k, i)),
				Addresses: []Address{{Kind: AddressEmail, Value: fmt.Sprintf("Extra%d.%d@example.com", k, i)}}}
			switch i % 6 {
			case 1:
				r.Password = "correct horse battery staple"
			case 2:
				r.Password = "short"
			case 3:
				r.PasswordHash = "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
			case 4:
				r.Phone = new("+44 12")
			case 5:
				r.Email = new("not an address")
			}
			rows = append(rows, r)
		}
		return rows
	}
	const n = 8
	batches := make([]ImportBatch, n)
	var wg sync.WaitGroup
	for k := range n {
		batches[k] = ImportBatch{Rows: rowsOf(k)}
		wg.Go(func() { l.PrepareImport(&batches[k]) })
	}
	wg.Wait()
	for k := range n {
		got := l.preparedItems(&batches[k])
		if len(got) != len(batches[k].Rows) {
			t.Fatalf("batch %d: %d items for %d rows", k, len(got), len(batches[k].Rows))
		}
		for i := range got {
			want := l.checkRow(&batches[k].Rows[i], i+1)
			if !reflect.DeepEqual(got[i], want) {
				t.Fatalf("batch %d, row %d: prepared %+v\nchecked %+v", k, i, got[i], want)
			}
		}
	}
	if l.preparedItems(&ImportBatch{Rows: batches[0].Rows[:10]}) != nil {
		t.Error("the items of a batch used for other rows")
	}
	other := &Local{}
	if other.preparedItems(&batches[0]) != nil {
		t.Error("the items of another Local's batch used")
	}
}

// BenchmarkPrepareImport: the per-row work that "user import"'s workers
// do ahead of the writer, for a batch of 1000 accounts with a phone number
// each (half in E.164, half as people write them); ns/op and allocs/op
// are per batch.
func BenchmarkPrepareImport(b *testing.B) {
	l := &Local{opt: Options{PasswordMinLength: 15}}
	const hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	rows := make([]ImportRow, 1000)
	for i := range rows {
		p := fmt.Sprintf("+49151%08d", i)
		if i%2 == 1 {
			p = fmt.Sprintf("+49 151 %04d %04d", i/10000, i%10000)
		}
		rows[i] = ImportRow{Username: new(fmt.Sprintf("user%07d", i)), Email: new(fmt.Sprintf("user%07d@example.com", i)),
			Phone: &p, FirstName: new("First"), LastName: new(fmt.Sprintf("Last %d", i)), Language: new("en"), PasswordHash: hash}
	}
	b.ReportAllocs()
	for b.Loop() {
		in := ImportBatch{Rows: rows}
		l.PrepareImport(&in)
		for _, it := range in.prepared.items {
			if it.err != nil {
				b.Fatal(it.err)
			}
		}
	}
}
