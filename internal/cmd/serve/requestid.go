package serve

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
)

// RequestIDHeader carries a request's id: taken from a trusted proxy,
// else made, and echoed in the answer.
const RequestIDHeader = "X-Request-Id"

// maxRequestID is the longest id taken from a proxy; a longer one, or one
// with other characters than printable ASCII without spaces, is replaced.
const maxRequestID = 128

type requestIDKey struct{}

// withRequestID returns ctx carrying the request id id.
func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the id of the request whose context is ctx, "" when
// none.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// newRequestID makes an id: 12 random bytes, 16 characters of URL-safe
// base64.
func newRequestID() string {
	var b [12]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// validRequestID reports whether a proxy's id may be used as it is: it
// goes into logs and headers, so it must not break a line or a field.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// idHandler adds the request id of the context, when there is one, to
// every record: each log line written for a request (with its context)
// names it.
type idHandler struct{ slog.Handler }

// withIDs wraps h in an idHandler, once.
func withIDs(l *slog.Logger) *slog.Logger {
	if l == nil {
		return nil
	}
	if _, ok := l.Handler().(idHandler); ok {
		return l
	}
	return slog.New(idHandler{l.Handler()})
}

func (h idHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h idHandler) WithAttrs(a []slog.Attr) slog.Handler { return idHandler{h.Handler.WithAttrs(a)} }

func (h idHandler) WithGroup(name string) slog.Handler { return idHandler{h.Handler.WithGroup(name)} }
