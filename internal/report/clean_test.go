package report

import "testing"

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"plain title, «quoted», 東京": "plain title, «quoted», 東京",
		"\x1b[2Jwiped":              `\x1b[2Jwiped`,
		"\x1b]8;;https://evil.example/\x07Lead Stories\x1b]8;;\x07": `\x1b]8;;https://evil.example/\x07Lead Stories\x1b]8;;\x07`,
		"two\nlines\r":          `two\nlines\r`,
		"tab\tkept":             "tab\tkept",
		"c1 \u009b31m csi":      `c1 \u009b31m csi`,
		"del\x7f":               `del\x7f`,
		"bad \xff\xfe utf-8":    `bad \xff\xfe utf-8`,
		"gpj.\u202eexe":         `gpj.\u202eexe`,
		"isolate \u2066x\u2069": `isolate \u2066x\u2069`,
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
	if got := CleanLines("a\nb\x1b"); got != "a\nb\\x1b" {
		t.Errorf("CleanLines = %q", got)
	}
}
