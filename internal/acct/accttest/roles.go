package accttest

import (
	"context"
	"strings"

	"github.com/acctl/acctl/internal/acct"
)

// roleCases are the role matrix (acct/roles.go): what each key's role may
// call, and that support keys act on non-admin accounts only.
var roleCases = []suiteCase{
	{"RoleSupportNotOnAdmins", testRoleSupportNotOnAdmins, nil},
	{"RoleSupportSessionIDs", testRoleSupportSessionIDs, nil},
	{"RoleAdminAndOperator", testRoleAdminAndOperator, nil},
	{"RoleOperations", testRoleOperations, nil},
}

// as is the context of an API key named name with role, as `acctl serve`
// makes it for each call: the key's name is the actor, its role what acct
// lets it do. Through the remote client the suite's harness sends the key
// of that name and role.
func (e *env) as(name string, role acct.Role) context.Context {
	return acct.WithRole(acct.WithActor(e.ctx, name), role)
}

// refusedOnAdmin checks that err is the refusal of a change of an admin
// account to a key that is not admin's.
func (e *env) refusedOnAdmin(what string, err error) {
	e.t.Helper()
	if acct.ErrorCode(err) != acct.CodeRefused || !strings.Contains(err.Error(), "admin") {
		e.t.Fatalf("%s by a support key on an admin account: %v (code %q); want refused, naming admin",
			what, err, acct.ErrorCode(err))
	}
}

// wantFailures checks that the audit trail of ref holds, for each action
// in want, one refusal by actor (oldest first), and no other failure of
// actor.
func (e *env) wantFailures(ref, actor string, want ...string) {
	e.t.Helper()
	evs, err := e.svc.ListEvents(e.ctx, acct.EventQuery{User: ref, Limit: acct.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		if ev.Actor != actor || ev.Outcome != acct.OutcomeFailure {
			continue
		}
		if !strings.Contains(ev.Detail, "admin") {
			e.t.Fatalf("event of %s on %s: %+v, want a refusal", actor, ref, ev)
		}
		got = append([]string{ev.Action}, got...) // oldest first
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		e.t.Fatalf("refusals of %s on %s in the audit trail: %v, want %v", actor, ref, got, want)
	}
}

// testRoleSupportNotOnAdmins: a support key may not issue a reset code
// for an admin account (so may not reset its password and log in as the
// admin), unlock it, send or check its passcodes, or end its sessions;
// each refusal is audited. The same calls work on a non-admin account.
func testRoleSupportNotOnAdmins(e *env) {
	root := e.register(acct.NewUser{Email: "root@example.com", Username: "root", Phone: "+447400100001", Admin: true})
	alice := e.register(acct.NewUser{Email: "alice@example.com", Username: "alice", Phone: "+447400100002"})
	desk := e.as("desk", acct.RoleSupport)
	svc := e.svc
	before := len(e.notes.Notices())

	_, err := svc.IssueResetCode(desk, acct.ResetCodeRequest{Ref: "root"})
	e.refusedOnAdmin("reset code", err)
	_, err = svc.IssueResetCode(desk, acct.ResetCodeRequest{Ref: "root@example.com", Send: acct.ChannelEmail})
	e.refusedOnAdmin("reset code sent by email", err)
	if _, err := svc.LockUser(e.ctx, "root", acct.LockOptions{Reason: "test"}); err != nil {
		e.t.Fatal(err)
	}
	_, err = svc.UnlockUser(desk, "root")
	e.refusedOnAdmin("unlock", err)
	e.wantStatus("root", acct.StatusLocked)
	if _, err := svc.UnlockUser(e.ctx, "root"); err != nil {
		e.t.Fatal(err)
	}
	_, err = svc.SendOTP(desk, acct.OTPRequest{Ref: "root", Purpose: acct.PurposeVerifyPhone})
	e.refusedOnAdmin("send passcode", err)
	_, err = svc.VerifyOTP(desk, acct.OTPCheck{Ref: "+447400100001", Purpose: acct.PurposeVerifyPhone, Code: "123456"})
	e.refusedOnAdmin("verify passcode", err)
	s, err := svc.Login(e.ctx, acct.Login{Ref: "root", Password: GoodPassword})
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = svc.EndSessions(desk, acct.EndSessions{User: "root"})
	e.refusedOnAdmin("end sessions", err)
	if _, err := svc.ValidateSession(e.ctx, s.Token); err != nil {
		e.t.Fatalf("the admin's session after a refused end: %v", err)
	}
	if n := len(e.notes.Notices()); n != before {
		e.t.Fatalf("%d notices sent for refused calls", n-before)
	}
	if codes, err := svc.ListCodes(e.ctx, "root"); err != nil || len(codes) != 0 {
		e.t.Fatalf("the admin's codes after refusals: %v, %v", codes, err)
	}
	e.wantFailures("root", "desk", acct.ActionResetCodeIssue, acct.ActionResetCodeIssue, acct.ActionUserUnlock,
		acct.ActionOTPSend, acct.ActionOTPVerify, acct.ActionSessionEnd)
	if !root.Admin || alice.Admin {
		e.t.Fatal("fixtures")
	}

	// Reads of an admin account stay open to support.
	if _, err := svc.User(desk, "root"); err != nil {
		e.t.Fatalf("support looks an admin up: %v", err)
	}
	if _, err := svc.ListSessions(desk, acct.SessionQuery{User: "root"}); err != nil {
		e.t.Fatalf("support lists an admin's sessions: %v", err)
	}

	// On a non-admin account support does all of it.
	rc, err := svc.IssueResetCode(desk, acct.ResetCodeRequest{Ref: "alice"})
	if err != nil || rc.IssuedBy != "desk" {
		e.t.Fatalf("support issues a code for a non-admin: %+v, %v", rc, err)
	}
	e.reset(rc.Code, GoodPassword+" 2")
	if _, err := svc.LockUser(e.ctx, "alice", acct.LockOptions{Reason: "test"}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := svc.UnlockUser(desk, "alice"); err != nil {
		e.t.Fatalf("support unlocks a non-admin: %v", err)
	}
	if _, err := svc.SendOTP(desk, acct.OTPRequest{Ref: "alice", Purpose: acct.PurposeVerifyPhone}); err != nil {
		e.t.Fatalf("support sends a non-admin a passcode: %v", err)
	}
	code := e.notices(before + 1)[before].Data.Code
	if u, err := svc.VerifyOTP(desk, acct.OTPCheck{Ref: "alice", Purpose: acct.PurposeVerifyPhone, Code: code}); err != nil || !u.PhoneVerified {
		e.t.Fatalf("support checks a non-admin's passcode: %+v, %v", u, err)
	}
	if _, err := svc.Login(e.ctx, acct.Login{Ref: "alice", Password: GoodPassword + " 2"}); err != nil {
		e.t.Fatal(err)
	}
	if res, err := svc.EndSessions(desk, acct.EndSessions{User: "alice"}); err != nil || len(res.Ended) != 1 {
		e.t.Fatalf("support ends a non-admin's sessions: %+v, %v", res, err)
	}
	e.wantFailures("alice", "desk")
}

// testRoleSupportSessionIDs: a session id names its user as well as a
// REF: a support key may not end an admin's session by its id, alone or
// among a non-admin's, and nothing ends then.
func testRoleSupportSessionIDs(e *env) {
	e.register(acct.NewUser{Email: "root@example.com", Username: "root", Admin: true})
	e.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	desk := e.as("desk", acct.RoleSupport)
	login := func(ref string) *acct.Session {
		s, err := e.svc.Login(e.ctx, acct.Login{Ref: ref, Password: GoodPassword})
		if err != nil {
			e.t.Fatal(err)
		}
		return s
	}
	root, alice := login("root"), login("alice")
	_, err := e.svc.EndSessions(desk, acct.EndSessions{IDs: []string{root.ID}})
	e.refusedOnAdmin("end an admin's session by id", err)
	_, err = e.svc.EndSessions(desk, acct.EndSessions{IDs: []string{alice.ID, root.ID}})
	e.refusedOnAdmin("end sessions by id, an admin's among them", err)
	for _, s := range []*acct.Session{root, alice} {
		if _, err := e.svc.ValidateSession(e.ctx, s.Token); err != nil {
			e.t.Fatalf("session %s after a refused end: %v", s.ID, err)
		}
	}
	e.wantFailures("root", "desk", acct.ActionSessionEnd, acct.ActionSessionEnd)
	if res, err := e.svc.EndSessions(desk, acct.EndSessions{IDs: []string{alice.ID}}); err != nil || len(res.Ended) != 1 {
		e.t.Fatalf("support ends a non-admin's session by id: %+v, %v", res, err)
	}
	_, err = e.svc.FreshenSession(desk, acct.SessionRef{ID: root.ID})
	e.wantCode(err, acct.CodeRefused, "")
}

// testRoleAdminAndOperator: admin keys and local operators act on admin
// accounts: a reset code, a reset, an unlock, an end of sessions.
func testRoleAdminAndOperator(e *env) {
	e.register(acct.NewUser{Email: "root@example.com", Username: "root", Admin: true})
	for i, ctx := range []context.Context{e.as("boss", acct.RoleAdmin), e.ctx} {
		rc, err := e.svc.IssueResetCode(ctx, acct.ResetCodeRequest{Ref: "root"})
		if err != nil {
			e.t.Fatalf("caller %d issues a reset code for an admin: %v", i, err)
		}
		e.reset(rc.Code, GoodPassword+" "+string(rune('a'+i)))
		if _, err := e.svc.LockUser(e.ctx, "root", acct.LockOptions{Reason: "test"}); err != nil {
			e.t.Fatal(err)
		}
		if _, err := e.svc.UnlockUser(ctx, "root"); err != nil {
			e.t.Fatalf("caller %d unlocks an admin: %v", i, err)
		}
		if _, err := e.svc.EndSessions(ctx, acct.EndSessions{User: "root"}); err != nil {
			e.t.Fatalf("caller %d ends an admin's sessions: %v", i, err)
		}
	}
	e.wantFailures("root", "boss")
}

// testRoleOperations: each role calls its operations and is refused the
// others, before anything is read.
func testRoleOperations(e *env) {
	e.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	desk, audit := e.as("desk", acct.RoleSupport), e.as("eve", acct.RoleAuditor)
	_, err := e.svc.UpdateUser(desk, "alice", acct.UserUpdate{FirstName: new("Mallory")})
	e.wantCode(err, acct.CodeRefused, "")
	_, err = e.svc.SetPassword(desk, "alice", GoodPassword+" 2")
	e.wantCode(err, acct.CodeRefused, "")
	_, err = e.svc.ResetPassword(desk, acct.PasswordReset{Code: "7KQ2-MX9D-4TFA-R1ZC", Password: GoodPassword + " 2"})
	e.wantCode(err, acct.CodeRefused, "")
	_, err = e.svc.ListEvents(desk, acct.EventQuery{})
	e.wantCode(err, acct.CodeRefused, "")
	_, err = e.svc.IssueResetCode(audit, acct.ResetCodeRequest{Ref: "alice"})
	e.wantCode(err, acct.CodeRefused, "")
	_, err = e.svc.ExportUsersWithHashes(audit, acct.ExportQuery{})
	e.wantCode(err, acct.CodeRefused, "")
	_, err = e.svc.User(e.as("nobody", acct.Role("")), "alice")
	e.wantCode(err, acct.CodeRefused, "")
	if _, err := e.svc.ListEvents(audit, acct.EventQuery{}); err != nil {
		e.t.Fatalf("an auditor reads the audit trail: %v", err)
	}
	if _, err := e.svc.User(desk, "alice"); err != nil {
		e.t.Fatalf("support looks a user up: %v", err)
	}
	if u, err := e.svc.User(e.ctx, "alice"); err != nil || u.FirstName == "Mallory" {
		e.t.Fatalf("after refusals: %+v, %v", u, err)
	}
}
