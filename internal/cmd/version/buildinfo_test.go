package version

import (
	"runtime/debug"
	"testing"
)

func TestWithBuildInfo(t *testing.T) {
	t.Parallel()
	vcs := []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef"},
		{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
	}
	for _, tc := range []struct {
		name string
		in   Info
		bi   *debug.BuildInfo
		want Info
	}{
		{"go install @version", Info{Version: "dev"},
			&debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}},
			Info{Version: "v1.2.3"}},
		{"go build in a clone", Info{Version: "dev"},
			&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260102030405-0123456789ab+dirty"}, Settings: vcs},
			Info{Version: "v0.0.0-20260102030405-0123456789ab+dirty", Commit: "0123456789abcdef", Date: "2026-01-02T03:04:05Z"}},
		{"test binary", Info{Version: "dev"},
			&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			Info{Version: "dev"}},
		{"no build info", Info{Version: "dev"}, nil, Info{Version: "dev"}},
		{"stamped by goreleaser", Info{Version: "1.4.0", Commit: "fedcba", Date: "2026-03-04T00:00:00Z"},
			&debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: vcs},
			Info{Version: "1.4.0", Commit: "fedcba", Date: "2026-03-04T00:00:00Z"}},
	} {
		if got := withBuildInfo(tc.in, tc.bi); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
