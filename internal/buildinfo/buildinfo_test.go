package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFrom(t *testing.T) {
	vcs := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261201211502-18f9090abcde+dirty"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "18f9090abcdef0123456789abcdef0123456789a"},
			{Key: "vcs.time", Value: "2026-12-01T21:15:02Z"}, {Key: "vcs.modified", Value: "true"},
		}}
	for _, tt := range []struct {
		name       string
		bi         *debug.BuildInfo
		ok         bool
		v, c, d    string // -ldflags
		want       Info
		wantString string
	}{
		{"plain go build in a git checkout", vcs, true, "", "", "",
			Info{Version: "v0.0.0-20261201211502-18f9090abcde+dirty", Commit: "18f9090abcdef0123456789abcdef0123456789a", Date: "2026-12-01T21:15:02Z", Modified: true, GoVersion: "go1.26.8"},
			"v0.0.0-20261201211502-18f9090abcde+dirty (commit 18f9090abcde+modified, 2026-12-01T21:15:02Z, go1.26.8)"},
		{"release with -ldflags", vcs, true, "v1.2.0", "aaaabbbbccccddddeeeeffff0000111122223333", "2026-12-24T00:00:00Z",
			Info{Version: "v1.2.0", Commit: "aaaabbbbccccddddeeeeffff0000111122223333", Date: "2026-12-24T00:00:00Z", GoVersion: "go1.26.8"},
			"v1.2.0 (commit aaaabbbbcccc, 2026-12-24T00:00:00Z, go1.26.8)"},
		{"go install module@v1.2.0", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.0"}}, true, "", "", "",
			Info{Version: "v1.2.0", GoVersion: "go1.26.8"}, "v1.2.0 (go1.26.8)"},
		{"no VCS, devel", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true, "", "", "",
			Info{Version: "dev", GoVersion: "go1.26.8"}, "dev (go1.26.8)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := from(tt.bi, tt.ok, tt.v, tt.c, tt.d)
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			if s := got.String(); s != tt.wantString {
				t.Errorf("String() = %q, want %q", s, tt.wantString)
			}
		})
	}
	if got := from(nil, false, "", "", ""); got.Version != "dev" || got.GoVersion == "" {
		t.Errorf("no build info: %+v", got)
	}
}
