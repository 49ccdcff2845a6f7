package acct

import "testing"

// BenchmarkVerify measures one login's verification per scheme, with the
// first fixture of each (their costs are those the tools were given; see
// testdata/make-hash-fixtures.sh): go test ./internal/acct -run - -bench Verify
func BenchmarkVerify(b *testing.B) {
	seen := map[string]bool{}
	for _, f := range readHashFixtures(&testing.T{}) {
		if seen[f.Scheme] {
			continue
		}
		seen[f.Scheme] = true
		h := f.hasher(&testing.T{})
		b.Run(f.Scheme, func(b *testing.B) {
			for b.Loop() {
				if ok, _, err := h.Verify(f.Password, f.Hash); !ok || err != nil {
					b.Fatalf("%v %v", ok, err)
				}
			}
		})
	}
}
