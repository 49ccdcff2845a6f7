package acct

import (
	"context"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

// TestEveryMethodChecksTheRole calls every Service method of Local with a
// caller whose role permits nothing: each must refuse before it touches
// the store (which here is nil). A new Service method without its
// l.permit line fails here, rather than being open to every API key.
func TestEveryMethodChecksTheRole(t *testing.T) {
	l := &Local{opt: Options{Actor: "tester"}, secretOK: new(atomic.Bool)}
	ctx := WithRole(WithActor(context.Background(), "nobody"), Role("none"))
	svc := reflect.TypeFor[Service]()
	lv := reflect.ValueOf(l)
	for i := range svc.NumMethod() {
		m := svc.Method(i)
		if m.Name == "Close" {
			continue
		}
		t.Run(m.Name, func(t *testing.T) {
			args := []reflect.Value{reflect.ValueOf(ctx)}
			for j := 1; j < m.Type.NumIn(); j++ {
				args = append(args, reflect.Zero(m.Type.In(j)))
			}
			var out []reflect.Value
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("%s ran past the role check (panicked on the nil store: %v)", m.Name, r)
					}
				}()
				out = lv.MethodByName(m.Name).Call(args)
			}()
			err, _ := out[len(out)-1].Interface().(error)
			if ErrorCode(err) != CodeRefused || !strings.Contains(err.Error(), "may not call "+m.Name) {
				t.Fatalf("%s with a role that permits nothing: %v, want refused", m.Name, err)
			}
		})
	}
}

// TestPermitted: the matrix of roles.go, at its edges.
func TestPermitted(t *testing.T) {
	for _, c := range []struct {
		role Role
		op   string
		want bool
	}{
		{RoleAdmin, "ExportUsersWithHashes", true},
		{RoleSupport, "IssueResetCode", true},
		{RoleSupport, "EndSessions", true},
		{RoleSupport, "ResetPassword", false},
		{RoleSupport, "FreshenSession", false},
		{RoleSupport, "ListEvents", false},
		{RoleAuditor, "ListEvents", true},
		{RoleAuditor, "ExportUsers", true},
		{RoleAuditor, "ExportUsersWithHashes", false},
		{RoleAuditor, "IssueResetCode", false},
		{Role(""), "User", false},
	} {
		if got := Permitted(c.role, c.op); got != c.want {
			t.Errorf("Permitted(%q, %s) = %v, want %v", c.role, c.op, got, c.want)
		}
	}
}
