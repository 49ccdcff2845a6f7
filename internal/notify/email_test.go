package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message accepted by the test SMTP server.
type received struct {
	from string
	to   []string
	data string
	tls  bool   // the message came over TLS
	user string // the authenticated user
}

// testSMTP is a real SMTP server on loopback.
type testSMTP struct {
	port int
	msgs chan received
	user string // required user; "" means no authentication
	pass string
}

type smtpSession struct {
	srv  *testSMTP
	conn *smtp.Conn
	msg  received
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.srv.user || pass != s.srv.pass {
			return smtp.ErrAuthFailed
		}
		s.msg.user = user
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && s.msg.user == "" {
		return smtp.ErrAuthRequired
	}
	s.msg.from = from
	_, s.msg.tls = s.conn.TLSConnectionState()
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.to = append(s.msg.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = string(b)
	s.srv.msgs <- s.msg
	return nil
}

func (s *smtpSession) Reset()        { s.msg = received{user: s.msg.user} }
func (s *smtpSession) Logout() error { return nil }

// startSMTP starts a server for the TLS mode (TLSNone, TLSStartTLS or
// TLSImplicit) and returns it with the pool that trusts its certificate.
// Authentication is allowed without TLS only in TLSNone mode.
func startSMTP(t *testing.T, mode, user, pass string) (*testSMTP, *x509.CertPool) {
	t.Helper()
	ts := &testSMTP{msgs: make(chan received, 10), user: user, pass: pass}
	cert, pool := selfSigned(t)
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: ts, conn: c}, nil
	}))
	s.Domain = "localhost"
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}}
	switch mode {
	case TLSNone:
		s.AllowInsecureAuth = true
	case TLSStartTLS:
		s.TLSConfig = tlsConfig
	case TLSImplicit:
		l = tls.NewListener(l, tlsConfig)
	}
	ts.port = l.Addr().(*net.TCPAddr).Port
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return ts, pool
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, and a pool
// that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "notify test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// writeFile writes a file in a new temporary folder and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var fixedNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func emailConfig(port int, mode string, pool *x509.CertPool) Config {
	return Config{
		Email: EmailConfig{
			From: "Accounts <accounts@example.com>",
			SMTP: SMTPConfig{Host: "127.0.0.1", Port: port, TLS: mode, RootCAs: pool},
		},
		Timeout: 10 * time.Second,
		Now:     func() time.Time { return fixedNow },
	}
}

func TestEmailSMTP(t *testing.T) {
	for _, tc := range []struct {
		mode string
		auth bool
	}{
		{TLSNone, false},
		{TLSNone, true}, // PLAIN over plain text is allowed to loopback only
		{TLSStartTLS, true},
		{TLSImplicit, true},
	} {
		name := tc.mode
		if tc.auth {
			name += "+auth"
		}
		t.Run(name, func(t *testing.T) {
			user, pass := "", ""
			if tc.auth {
				user, pass = "mailer", "s3cret pass"
			}
			srv, pool := startSMTP(t, tc.mode, user, pass)
			cfg := emailConfig(srv.port, tc.mode, pool)
			if tc.auth {
				cfg.Email.SMTP.Username = user
				cfg.Email.SMTP.PasswordFile = writeFile(t, "pw", "  "+pass+"\n")
			}
			n, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = n.Send(context.Background(), Message{Channel: Email, To: "Ana <ana@example.org>",
				Subject: "Your code ✓", Body: "Code: 7KQ2-MX9D\nBye"})
			if err != nil {
				t.Fatal(err)
			}
			got := <-srv.msgs
			if got.from != "accounts@example.com" || len(got.to) != 1 || got.to[0] != "ana@example.org" {
				t.Errorf("envelope from %q to %q", got.from, got.to)
			}
			if got.tls != (tc.mode != TLSNone) {
				t.Errorf("tls = %v in mode %s", got.tls, tc.mode)
			}
			if got.user != user {
				t.Errorf("authenticated as %q, want %q", got.user, user)
			}
			m, err := mail.ReadMessage(strings.NewReader(got.data))
			if err != nil {
				t.Fatal(err)
			}
			subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			if err != nil || subj != "Your code ✓" {
				t.Errorf("subject %q, %v", subj, err)
			}
			if d, err := m.Header.Date(); err != nil || !d.Equal(fixedNow) {
				t.Errorf("date %v, %v", d, err)
			}
			body, _ := io.ReadAll(m.Body)
			if !strings.Contains(decodeQP(t, m.Header.Get("Content-Transfer-Encoding"), body), "Code: 7KQ2-MX9D") {
				t.Errorf("body:\n%s", got.data)
			}
		})
	}
}

func TestEmailSMTPFailures(t *testing.T) {
	ctx := context.Background()
	msg := Message{Channel: Email, To: "ana@example.org", Subject: "s", Body: "b"}

	t.Run("untrusted certificate", func(t *testing.T) {
		srv, _ := startSMTP(t, TLSStartTLS, "", "")
		n, err := New(emailConfig(srv.port, TLSStartTLS, x509.NewCertPool()))
		if err != nil {
			t.Fatal(err)
		}
		var uerr x509.UnknownAuthorityError
		err = n.Send(ctx, msg)
		if !errors.As(err, &uerr) {
			t.Fatalf("want an unknown authority error, got %v", err)
		}
		t.Log(err)
	})

	t.Run("no starttls offered", func(t *testing.T) {
		srv, pool := startSMTP(t, TLSNone, "", "")
		n, err := New(emailConfig(srv.port, TLSStartTLS, pool))
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Send(ctx, msg); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("want a STARTTLS error, got %v", err)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		srv, pool := startSMTP(t, TLSStartTLS, "mailer", "right")
		cfg := emailConfig(srv.port, TLSStartTLS, pool)
		cfg.Email.SMTP.Username = "mailer"
		cfg.Email.SMTP.PasswordFile = writeFile(t, "pw", "wrong-Pa55word")
		n, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		err = n.Send(ctx, msg)
		if err == nil || !strings.Contains(err.Error(), "535") {
			t.Fatalf("want an authentication failure, got %v", err)
		}
		if strings.Contains(err.Error(), "wrong-Pa55word") {
			t.Fatalf("the error shows the password: %v", err)
		}
		t.Log(err)
	})

	t.Run("cancelled", func(t *testing.T) {
		srv, pool := startSMTP(t, TLSNone, "", "")
		n, err := New(emailConfig(srv.port, TLSNone, pool))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := n.Send(ctx, msg); !errors.Is(err, context.Canceled) {
			t.Fatalf("want context.Canceled, got %v", err)
		}
	})
}

// decodeQP decodes a body in the given Content-Transfer-Encoding.
func decodeQP(t *testing.T, enc string, body []byte) string {
	t.Helper()
	if !strings.EqualFold(enc, "quoted-printable") {
		return string(body)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(string(body))))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
