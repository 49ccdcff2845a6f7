package acct

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
)

// TestScramRFC7677: RFC 7677 §3's worked example (user "user", password
// "pencil", its nonces and salt) through the server side: the verifier,
// the server-first-message, the check of the client's proof and the
// server signature are the RFC's.
func TestScramRFC7677(t *testing.T) {
	const (
		clientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
		serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
		clientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
		serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
	)
	salt, _ := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	v, err := NewScramVerifier("pencil", salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	// The text form reads back as itself.
	back, err := ParseScramVerifier(v.String())
	if err != nil || back.String() != v.String() {
		t.Fatalf("ParseScramVerifier(%s) = %v, %v", v, back, err)
	}
	cf, err := parseScramClientFirst(clientFirst)
	if err != nil || cf.user != "user" || cf.cnonce != "rOprNGfwEbeRWgbNEkqO" || cf.gs2 != "n,," {
		t.Fatalf("client first: %+v, %v", cf, err)
	}
	if got := scramServerFirst(cf.cnonce, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", v.Salt, v.Iterations); got != serverFirst {
		t.Fatalf("server first %q, want %q", got, serverFirst)
	}
	cl, err := parseScramClientFinal(clientFinal)
	if err != nil {
		t.Fatal(err)
	}
	nonce, _, _ := cutPrefix(serverFirst, "r=")
	check := &scramCheck{authMessage: cf.bare + "," + serverFirst + "," + cl.withoutProof, proof: cl.proof,
		match: cl.nonce == nonce && cl.cbind == base64.StdEncoding.EncodeToString([]byte(cf.gs2))}
	ok, sig := check.verify(v)
	if !ok || scramFinal(sig) != serverFinal {
		t.Fatalf("verify: %v, %q; want true, %q", ok, scramFinal(sig), serverFinal)
	}
	// Another password's verifier, another nonce, no verifier: no.
	other, _ := NewScramVerifier("pencil2", salt, 4096)
	if ok, _ := check.verify(other); ok {
		t.Error("the proof passed against another password's verifier")
	}
	if ok, _ := check.verify(ScramVerifier{}); ok {
		t.Error("the proof passed against no verifier")
	}
	check.match = false
	if ok, _ := check.verify(v); ok {
		t.Error("the proof passed for a final message of another challenge")
	}
}

func TestScramMessages(t *testing.T) {
	for _, bad := range []string{"", "n=user,r=x", "p=tls-unique,,n=user,r=x", "n,a=admin,n=user,r=x",
		"n,,m=ext,n=user,r=x", "n,,n=,r=x", "n,,n=user,r=", "n,,n=us=er,r=x", "n,,n=user,r=a b", "n,,r=x,n=user"} {
		if _, err := parseScramClientFirst(bad); !IsCode(err, CodeInvalid) || ErrorField(err) != "client_first" {
			t.Errorf("parseScramClientFirst(%q) = %v, want invalid client_first", bad, err)
		}
	}
	cf, err := parseScramClientFirst("y,,n=a=2Cb=3Dc,r=nonce")
	if err != nil || cf.user != "a,b=c" || cf.gs2 != "y,," {
		t.Errorf("escaped name: %+v, %v", cf, err)
	}
	for _, bad := range []string{"", "c=biws,r=x", "c=biws,r=x,p=!!", "r=x,c=biws,p=" + strings.Repeat("A", 43) + "="} {
		if _, err := parseScramClientFinal(bad); !IsCode(err, CodeInvalid) || ErrorField(err) != "client_final" {
			t.Errorf("parseScramClientFinal(%q) = %v, want invalid client_final", bad, err)
		}
	}
	for _, bad := range []string{"", "SCRAM-SHA-256$100:c2FsdA==$" + strings.Repeat("A", 43) + "=:" + strings.Repeat("A", 43) + "=",
		"SCRAM-SHA-256$4096:c2FsdA==$short:short", "md5abc", "SCRAM-SHA-1$4096:c2FsdA==$a:b"} {
		if _, err := ParseScramVerifier(bad); err == nil {
			t.Errorf("ParseScramVerifier(%q): no error", bad)
		}
	}
}

// testScramClient is the client side of RFC 5802, for the tests of the
// server side in this package (the independent client, xdg-go/scram's,
// is in accttest and authapi).
type testScramClient struct {
	name, password, cnonce, first string
}

func newTestScramClient(t *testing.T, name, password string) *testScramClient {
	c := &testScramClient{name: name, password: password, cnonce: "clientnonce0123456789"}
	c.first = "n,,n=" + name + ",r=" + c.cnonce
	return c
}

// final computes the client-final-message for serverFirst.
func (c *testScramClient) final(t *testing.T, serverFirst string) string {
	t.Helper()
	var salt []byte
	var iter int
	var nonce string
	for _, a := range strings.Split(serverFirst, ",") {
		switch {
		case strings.HasPrefix(a, "r="):
			nonce = a[2:]
		case strings.HasPrefix(a, "s="):
			salt, _ = base64.StdEncoding.DecodeString(a[2:])
		case strings.HasPrefix(a, "i="):
			iter, _ = strconv.Atoi(a[2:])
		}
	}
	salted, err := pbkdf2.Key(sha256.New, ScramPassword(c.password), salt, iter, sha256.Size)
	if err != nil {
		t.Fatal(err)
	}
	clientKey := scramHMAC(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	without := "c=biws,r=" + nonce
	auth := "n=" + c.name + ",r=" + c.cnonce + "," + serverFirst + "," + without
	sig := scramHMAC(stored[:], auth)
	proof := make([]byte, len(sig))
	for i := range sig {
		proof[i] = clientKey[i] ^ sig[i]
	}
	return without + ",p=" + base64.StdEncoding.EncodeToString(proof)
}

// BenchmarkScramVerifier is the server's cost of a verifier at the
// default iterations (paid when it holds a plaintext password) and the
// client's at each challenge login; BenchmarkScramProofCheck is the
// server's cost of a challenge login's check.
//
//	go test ./internal/acct -run '^$' -bench 'Scram' -benchtime 5x
func BenchmarkScramVerifier(b *testing.B) {
	salt := make([]byte, scramSaltLen)
	for b.Loop() {
		if _, err := NewScramVerifier("correct horse battery staple", salt, DefaultScramIterations); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScramProofCheck(b *testing.B) {
	v, _ := NewScramVerifier("pencil", []byte("saltsaltsaltsalt"), MinScramIterations)
	c := &scramCheck{authMessage: strings.Repeat("x", 200), proof: make([]byte, 32), match: true}
	for b.Loop() {
		c.verify(v)
	}
}
