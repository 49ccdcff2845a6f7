package cmdtest

import (
	"encoding/json"
	"testing"
)

// DecodeJSON decodes s into a T, failing the test if it is not valid.
func DecodeJSON[T any](t testing.TB, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decode JSON: %v\n%s", err, s)
	}
	return v
}
