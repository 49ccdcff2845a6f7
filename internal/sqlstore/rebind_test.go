package sqlstore

import (
	"testing"
	"time"
)

func TestRebind(t *testing.T) {
	pg := &Dialect{Numbered: true}
	lite := &Dialect{}
	for _, c := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"DELETE FROM addresses WHERE user_id = ? AND kind = ? AND value = ?",
			"DELETE FROM addresses WHERE user_id = $1 AND kind = $2 AND value = $3"},
		{"VALUES (?1, ?2 + ?3) WHERE x <= ?2 + ?10", "VALUES ($1, $2 + $3) WHERE x <= $2 + $10"},
		{`action LIKE ? ESCAPE '\' AND note = 'why?' AND "odd?" = ?`,
			`action LIKE $1 ESCAPE '\' AND note = 'why?' AND "odd?" = $2`},
	} {
		if got := pg.Rebind(c.in); got != c.want {
			t.Errorf("Rebind(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := pg.Rebind(c.in); got != c.want { // from the cache
			t.Errorf("Rebind(%q) again = %q, want %q", c.in, got, c.want)
		}
		if got := lite.Rebind(c.in); got != c.in {
			t.Errorf("SQLite Rebind(%q) = %q, want it unchanged", c.in, got)
		}
	}
}

func TestRebindBounded(t *testing.T) {
	d := &Dialect{Numbered: true}
	for i := range maxRebound + 10 {
		q := "SELECT ?" + string(rune('a'+i%26)) + time.Duration(i).String()
		d.Rebind(q)
	}
	n := 0
	d.rebound.Range(func(any, any) bool { n++; return true })
	if n != maxRebound {
		t.Errorf("kept %d texts, want %d", n, maxRebound)
	}
}

func TestMillis(t *testing.T) {
	at := time.Date(2026, 12, 6, 12, 0, 0, 123e6, time.UTC)
	for _, src := range []any{at.UnixMilli(), at.In(time.FixedZone("x", 3600))} {
		var m Millis
		if err := m.Scan(src); err != nil || !m.Valid || !m.Time.Equal(at) || m.Time.Location() != time.UTC {
			t.Errorf("Scan(%v) = %v, %v; want %v in UTC", src, m, err, at)
		}
	}
	var m Millis
	if err := m.Scan(nil); err != nil || m.Valid || m.Ptr() != nil {
		t.Errorf("Scan(nil) = %v, %v; want NULL", m, err)
	}
	if err := m.Scan("noon"); err == nil {
		t.Error("Scan(text) succeeded, want an error")
	}
	lite, pg := &Dialect{MillisTimes: true}, &Dialect{}
	if got := lite.Time(at); got != at.UnixMilli() {
		t.Errorf("SQLite Time = %v, want %d", got, at.UnixMilli())
	}
	if got := pg.Time(at.Add(456)); got != at {
		t.Errorf("PostgreSQL Time = %v, want %v (whole milliseconds)", got, at)
	}
	if lite.NullTime(nil) != nil || pg.NullTime(nil) != nil {
		t.Error("NullTime(nil) is not NULL")
	}
}
