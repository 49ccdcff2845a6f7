package api

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDurationJSON(t *testing.T) {
	for in, want := range map[string]time.Duration{
		`"30d"`: 30 * 24 * time.Hour, `"36h"`: 36 * time.Hour, `"90m"`: 90 * time.Minute, `"1d12h"`: 36 * time.Hour,
		`"0"`: 0, `0`: 0, `3600000000000`: time.Hour, `-5`: -5, `"1.5d"`: 36 * time.Hour,
	} {
		var d Duration
		if err := json.Unmarshal([]byte(in), &d); err != nil || time.Duration(d) != want {
			t.Errorf("%s: %v, %v; want %v", in, time.Duration(d), err, want)
		}
	}
	for _, bad := range []string{`"soon"`, `"30"`, `""`, `1.5`, `true`, `"1e3h"`, `{}`, `"99999999999d"`} {
		var d Duration
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("%s: read as %v, want an error", bad, time.Duration(d))
		}
	}
	// Written as integer nanoseconds: what every /v1 server reads.
	b, err := json.Marshal(struct {
		D Duration `json:"d"`
	}{Duration(30 * 24 * time.Hour)})
	if err != nil || string(b) != `{"d":2592000000000000}` {
		t.Errorf("marshal: %s, %v", b, err)
	}
}
