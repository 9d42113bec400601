package rules

import (
	"strings"
	"testing"
)

func TestUnknownEnv(t *testing.T) {
	for _, tt := range []struct {
		env  string
		want string // "" for no warning
	}{
		{"PROVCHECK_REGISTRY=/x", ""},
		{"PROVCHECK_API_KEYS=k", ""},
		{"PROVCHECK_SERVER_API_KEYS=k", ""},
		{"PROVCHECK_THRESHOLDS_MATCH_DISTANCE=20", ""},
		{"PROVCHECK_BENCH_DIR=/tmp", ""},
		{"HOME=/root", ""},
		{"PROVCHECK_REGISTERY=/x", "PROVCHECK_REGISTERY is ignored (did you mean PROVCHECK_REGISTRY?)"},
		{"PROVCHECK_SAMPLING_QUERYFPS=3", "(did you mean PROVCHECK_SAMPLING_QUERY_FPS?)"},
		{"PROVCHECK_SOMETHING_ELSE_ENTIRELY=1", "unknown environment variable PROVCHECK_SOMETHING_ELSE_ENTIRELY is ignored"},
	} {
		got := UnknownEnv([]string{tt.env})
		switch {
		case tt.want == "" && len(got) != 0:
			t.Errorf("%s: unexpected warning %q", tt.env, got)
		case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
			t.Errorf("%s: warnings %q, want one containing %q", tt.env, got, tt.want)
		}
	}
	if got := UnknownEnv([]string{"PROVCHECK_SOMETHING_ELSE_ENTIRELY=1"}); strings.Contains(got[0], "did you mean") {
		t.Errorf("a far name gets no suggestion: %q", got[0])
	}
}
