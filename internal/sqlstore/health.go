package sqlstore

import (
	"fmt"
	"strconv"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// Health gathers the checks of a dialect store's Check (acct.Checker).
type Health struct {
	h     *acct.StoreHealth
	began time.Time
}

// NewHealth starts the report on a store of kind ("sqlite", "postgres").
func NewHealth(kind string) *Health {
	return &Health{h: &acct.StoreHealth{Kind: kind}, began: time.Now()}
}

// Add adds one check.
func (h *Health) Add(name, value string, status acct.HealthStatus, detail string) {
	h.h.Checks = append(h.h.Checks, acct.HealthCheck{Name: name, Value: value, Status: status, Detail: detail})
}

// Schema adds the check of the schema version: the store's version
// against the known number of migrations of this program.
func (h *Health) Schema(version, known int) {
	h.h.SchemaVersion = version
	if version == known {
		h.Add("schema_version", strconv.Itoa(version), acct.HealthOK, "")
	} else {
		h.Add("schema_version", strconv.Itoa(version), acct.HealthFailed, fmt.Sprintf("this acctl knows %d", known))
	}
}

// Done returns the report, with the time it took.
func (h *Health) Done() *acct.StoreHealth {
	h.h.Took = time.Since(h.began)
	return h.h
}
