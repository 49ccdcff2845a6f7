package authapi

import (
	"net/http"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
)

// The challenge login (SCRAM-SHA-256, RFC 5802 and RFC 7677): the
// password never crosses the wire. The messages are RFC 5802's strings,
// verbatim, so that any SCRAM client library works unchanged; the rules
// (the challenge in the store, single use, its lifetime, the attempt
// accounting) are acct's (acct/challenge.go).

// ChallengeAnswer is the answer of POST /auth/challenge.
type ChallengeAnswer struct {
	Answer
	ChallengeID string `json:"challenge_id"`
	ServerFirst string `json:"server_first"`
}

// ChallengeLoginAnswer is the answer of POST /auth/challenge/login: a
// login's, with the server-final-message that proves the server holds
// the account's verifier.
type ChallengeLoginAnswer struct {
	SessionAnswer
	ServerFinal string `json:"server_final"`
}

// challenge: POST client_first. The answer has the same shape whether or
// not the name is an account's (acct derives a stable salt for one that
// is not).
func (h *handler) challenge(w http.ResponseWriter, r *http.Request) {
	if !h.guard(w, r) {
		return
	}
	f, ok := h.body(w, r)
	if !ok || h.required(w, f, "client_first") {
		return
	}
	if !h.limit(w, r, "") {
		return
	}
	ch, err := h.svc.ChallengeBegin(r.Context(), acct.ChallengeStart{ClientFirst: f.raw("client_first")})
	if err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	api.WriteJSON(w, http.StatusOK, ChallengeAnswer{Answer: Answer{Success: true, Message: "prove the password"},
		ChallengeID: ch.ID, ServerFirst: ch.ServerFirst})
}

// challengeLogin: POST challenge_id, client_final, keep. Every failure of
// a well-formed proof (wrong, an unknown name, an account without a
// verifier, locked, pending) is the one answer of a failed /auth/login;
// an unknown, used or expired challenge is 401 with the reason
// challenge_expired.
func (h *handler) challengeLogin(w http.ResponseWriter, r *http.Request) {
	if !h.guard(w, r) {
		return
	}
	f, ok := h.body(w, r)
	if !ok || h.required(w, f, "challenge_id", "client_final") {
		return
	}
	// The per-account limit is acct's, as for /auth/login.
	if !h.limit(w, r, "") {
		return
	}
	res, err := h.svc.ChallengeFinish(r.Context(), acct.ChallengeAnswer{ID: f.get("challenge_id"),
		ClientFinal: f.raw("client_final"), Keep: f.bool("keep")})
	if err != nil {
		h.loginFailed(w, r, err, nil) // as /auth/login's
		return
	}
	s := res.Session
	info, err := h.svc.ValidateSession(r.Context(), s.Token)
	if err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	h.setSession(w, r, s.Token, info.Session, s.CreatedAt)
	api.WriteJSON(w, http.StatusOK, ChallengeLoginAnswer{
		SessionAnswer: sessionAnswer(info, csrfToken(s.Token), "welcome, "+fullname(info.User)),
		ServerFinal:   res.ServerFinal,
	})
}
