package serve_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/cmd/cmdtest"
)

// TestServeChecksDeliveryFirst: without delivery settings, a call that
// would send a message fails on the server as the command fails on a
// local store (exit 2, the same message) and before anything is made.
func TestServeChecksDeliveryFirst(t *testing.T) {
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--phone", "+14155550123")
	token := strings.TrimSpace(e.MustRun("apikey", "create", "ops", "--role", "admin"))
	s := start(t, e)
	auth := map[string]string{"Authorization": "Bearer " + token}
	for _, c := range []struct{ op, body, want string }{
		{"IssueResetCode", `{"ref":"alice@example.com","send":"email"}`, "email delivery is not configured"},
		{"IssueResetCode", `{"ref":"alice@example.com","send":"sms"}`, "sms delivery is not configured"},
		{"ForgotPassword", `{"email":"alice@example.com"}`, "email delivery is not configured"},
		{"SendOTP", `{"ref":"alice@example.com","purpose":"verify-phone"}`, "sms delivery is not configured"},
		{"SendActivation", `{"ref":"alice@example.com"}`, "email delivery is not configured"},
		{"Register", `{"email":"bob@example.com","no_password":true,"pending":true}`, "email delivery is not configured"},
	} {
		resp, body := s.do(http.MethodPost, "/v1/"+c.op, c.body, auth)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"field":"send"`) || !strings.Contains(body, c.want) {
			t.Errorf("%s %s: %d %s, want 400 %q", c.op, c.body, resp.StatusCode, body, c.want)
		}
	}
	if _, body := s.do(http.MethodPost, "/v1/ListCodes", `{"ref":"alice@example.com"}`, auth); body != "[]\n" {
		t.Errorf("codes made: %s", body)
	}
	if _, body := s.do(http.MethodPost, "/v1/User", `{"ref":"bob@example.com"}`, auth); !strings.Contains(body, "not_found") {
		t.Errorf("bob registered: %s", body)
	}
	// A registration that sends nothing needs no delivery.
	if resp, body := s.do(http.MethodPost, "/v1/Register", `{"email":"carol@example.com","no_password":true}`, auth); resp.StatusCode != http.StatusOK {
		t.Errorf("Register: %d %s", resp.StatusCode, body)
	}
}
