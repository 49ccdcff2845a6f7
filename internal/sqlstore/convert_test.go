package sqlstore

import (
	"reflect"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// The conversions of a copy, as both drivers hand values over and as
// each dialect keeps them.
func TestCopyConversions(t *testing.T) {
	at := time.Date(2025, 3, 4, 5, 6, 7, 891_000_000, time.UTC)
	paris := at.In(time.FixedZone("CET", 3600))
	for _, c := range []struct {
		in   any
		typ  acct.ValueType
		want any // nil with ok false: an error
		ok   bool
	}{
		{nil, acct.TypeInt, nil, true},
		{int64(7), acct.TypeInt, int64(7), true},
		{int64(7), acct.TypeFloat, float64(7), true},
		{1.5, acct.TypeFloat, 1.5, true},
		{at.UnixMilli(), acct.TypeTime, at, true},
		{paris, acct.TypeTime, at, true},
		{"x", acct.TypeText, "x", true},
		{[]byte("x"), acct.TypeText, "x", true},
		{"x", acct.TypeBytes, []byte("x"), true},
		{true, acct.TypeBool, true, true},
		{int64(3), acct.TypeAny, int64(3), true},
		{"infinity", acct.TypeTime, nil, false},
		{1.5, acct.TypeInt, nil, false},
		{int64(1), acct.TypeBool, nil, false},
	} {
		got, err := FromDriver(c.in, c.typ)
		if (err == nil) != c.ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("FromDriver(%#v, %s) = %#v, %v; want %#v", c.in, c.typ, got, err, c.want)
		}
	}

	sqlite, pg := &Dialect{MillisTimes: true}, &Dialect{}
	for _, c := range []struct {
		d    *Dialect
		in   any
		typ  acct.ValueType
		want any
		ok   bool
	}{
		{sqlite, nil, acct.TypeTime, nil, true},
		{sqlite, paris, acct.TypeTime, at.UnixMilli(), true},
		{pg, paris, acct.TypeTime, at, true},
		{sqlite, true, acct.TypeInt, int64(1), true},
		{sqlite, false, acct.TypeAny, int64(0), true},
		{sqlite, paris, acct.TypeAny, at.UnixMilli(), true},
		{sqlite, "x", acct.TypeAny, "x", true},
		{pg, int64(1), acct.TypeBool, true, true},
		{pg, int64(0), acct.TypeBool, false, true},
		{pg, int64(2), acct.TypeBool, nil, false},
		{pg, false, acct.TypeBool, false, true},
		{pg, int64(2), acct.TypeFloat, float64(2), true},
		{pg, []byte("x"), acct.TypeBytes, []byte("x"), true},
		{pg, []byte("x"), acct.TypeText, nil, false},
		{pg, "x", acct.TypeBytes, nil, false},
		{pg, 1.5, acct.TypeInt, nil, false},
	} {
		got, err := c.d.ToDriver(c.in, c.typ)
		if (err == nil) != c.ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ToDriver(%#v, %s), millis %v = %#v, %v; want %#v", c.in, c.typ, c.d.MillisTimes, got, err, c.want)
		}
	}
}
