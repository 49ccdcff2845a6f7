package serve

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// probeTimeout bounds each check of /readyz and /healthz: a probe that
// waits longer than its caller's timeout tells it nothing.
const probeTimeout = 5 * time.Second

// live answers GET /livez: 200 "ok" whenever the process answers, without
// asking the store (a liveness probe must not restart a server because
// its database is down).
func live() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !getOrHead(w, r) {
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
}

// readyCheck is one check of /readyz.
type readyCheck struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// readyReport is the body of /readyz.
type readyReport struct {
	Ready  bool         `json:"ready"`
	Failed []string     `json:"failed"`
	Checks []readyCheck `json:"checks"`
}

// pendingMigrations is implemented by a Service that can name the
// migrations its store lacks (acct.Local).
type pendingMigrations interface {
	PendingMigrations(ctx context.Context) ([]string, error)
}

// ready answers GET /readyz: 200 when the server can do its work, 503
// when not, with a JSON body naming each check (store, schema, delivery)
// and the failed ones. The store must answer a read; its schema must have
// no pending migration; delivery, when the auth API needs it (delivery is
// nil), must be complete. The causes of a store failure go to the log,
// not to the (unauthenticated) client.
func ready(svc acct.Service, delivery error, log *slog.Logger, m *Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !getOrHead(w, r) {
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), probeTimeout)
		defer cancel()
		rep := readyReport{Failed: []string{}}
		add := func(c readyCheck) {
			rep.Checks = append(rep.Checks, c)
			if !c.OK {
				rep.Failed = append(rep.Failed, c.Name)
			}
		}

		store := readyCheck{Name: "store", OK: true}
		if _, err := svc.ListUsers(ctx, acct.UserQuery{Limit: 1}); err != nil {
			m.storeError("probe", err)
			log.LogAttrs(r.Context(), slog.LevelError, "readyz: the store does not answer", slog.String("error", err.Error()))
			store = readyCheck{Name: "store", Detail: "the store does not answer (see the server's log)"}
		}
		add(store)

		schema := readyCheck{Name: "schema", OK: true}
		if m, ok := svc.(pendingMigrations); ok {
			switch pending, err := m.PendingMigrations(ctx); {
			case err != nil:
				log.LogAttrs(r.Context(), slog.LevelError, "readyz: the schema version cannot be read", slog.String("error", err.Error()))
				schema = readyCheck{Name: "schema", Detail: "the schema version cannot be read (see the server's log)"}
			case len(pending) > 0:
				schema = readyCheck{Name: "schema", Detail: "pending migrations: " + strings.Join(pending, ", ") + ": run `acctl store migrate`"}
			}
		}
		add(schema)

		if delivery != nil {
			add(readyCheck{Name: "delivery", Detail: delivery.Error()})
		} else {
			add(readyCheck{Name: "delivery", OK: true})
		}

		rep.Ready = len(rep.Failed) == 0
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "application/json")
		if !rep.Ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(rep)
	})
}

// getOrHead answers 405 to any method but GET and HEAD, and reports
// whether the request may go on.
func getOrHead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

// deliveryNeed is nil when the auth API has the delivery it needs, or
// else the error saying what is missing: with public_url and any delivery
// setting given, the operator means sign-up and lost_password to be on,
// and they need email delivery complete (email.smtp.host or outbox).
func deliveryNeed(publicURL string, configured bool, check error) error {
	if publicURL == "" || !configured {
		return nil
	}
	return check
}
