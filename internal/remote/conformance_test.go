package remote_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/httpapi"
	"github.com/acctl/acctl/internal/remote"
	"github.com/acctl/acctl/internal/sqlite"
)

// keyPrefix makes the test token of an actor: the test authenticator
// accepts "test-key-NAME" as an admin key named NAME, and
// "test-key-NAME:ROLE" as a key of that role.
const keyPrefix = "test-key-"

// testKeys is an httpapi.Authenticator that accepts every token
// "test-key-NAME" as an admin key named NAME, and "test-key-NAME:ROLE" as
// a key of ROLE.
type testKeys struct{}

func (testKeys) AuthenticateAPIKey(_ context.Context, token string) (*acct.APIKey, error) {
	name, ok := strings.CutPrefix(token, keyPrefix)
	if !ok || name == "" {
		return nil, acct.Errorf(acct.CodeUnauthenticated, "unknown API key")
	}
	role := acct.RoleAdmin
	if n, r, ok := strings.Cut(name, ":"); ok {
		name, role = n, acct.Role(r)
	}
	return &acct.APIKey{Name: name, Role: role}, nil
}

// actorKeys plays the part of several operators, each with their own API
// key: a call whose context names an actor (acct.WithActor) is sent with
// that actor's key, of the context's role (acct.WithRole) if it has one,
// since over the API the actor is the key's name and the role the key's.
// The client itself sends its one key and never the context's actor or
// role.
type actorKeys struct{ next http.RoundTripper }

func (t actorKeys) RoundTrip(r *http.Request) (*http.Response, error) {
	if a := acct.ActorFrom(r.Context()); a != "" {
		if role, ok := acct.RoleFrom(r.Context()); ok {
			a += ":" + string(role)
		}
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+keyPrefix+a)
	}
	return t.next.RoundTrip(r)
}

// TestConformance runs the acct conformance suite through the client:
// remote.Client → HTTP (loopback) → httpapi → Local over SQLite. The
// suite's options (clock, notifier, secret) go to the server's Local; the
// client's key is named after the suite's actor.
func TestConformance(t *testing.T) {
	accttest.Run(t, func(t *testing.T, opt acct.Options) acct.Service {
		store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "acctl.db"))
		if err != nil {
			t.Fatal(err)
		}
		local, err := acct.NewLocal(store, opt)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(httpapi.New(local, testKeys{}, nil))
		t.Cleanup(func() {
			srv.Close()
			local.Close()
		})
		c, err := remote.New(srv.URL, keyPrefix+opt.Actor, remote.Options{Transport: actorKeys{http.DefaultTransport}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
}

// TestSharedConformance runs the conformance cases of several services on
// one store through the client: each service is a client of its own
// server, whose Local opens the same SQLite file.
func TestSharedConformance(t *testing.T) {
	accttest.RunShared(t, func(t *testing.T) func(acct.Options) acct.Service {
		path := filepath.Join(t.TempDir(), "acctl.db")
		return func(opt acct.Options) acct.Service {
			store, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			local, err := acct.NewLocal(store, opt)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(httpapi.New(local, testKeys{}, nil))
			t.Cleanup(func() {
				srv.Close()
				local.Close()
			})
			c, err := remote.New(srv.URL, keyPrefix+opt.Actor, remote.Options{Transport: actorKeys{http.DefaultTransport}})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
	})
}
