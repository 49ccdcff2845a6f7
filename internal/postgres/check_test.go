package postgres

import (
	"context"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	s := openTest(t)
	h, err := s.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !h.Healthy() || h.Kind != "postgres" || h.SchemaVersion < 1 {
		t.Fatalf("health %+v", h)
	}
	got := map[string]string{}
	for _, c := range h.Checks {
		got[c.Name] = c.Value + " " + string(c.Status)
	}
	for name, want := range map[string]string{
		"recovery":       "primary ok",
		"schema_version": " ok",
		"round_trip":     " info",
		"pool":           "total ",
		"server_version": "",
		"schema":         "acctl_test_",
	} {
		if v, ok := got[name]; !ok || !strings.Contains(v, want) {
			t.Errorf("%s: %q, want it to hold %q", name, v, want)
		}
	}
}
