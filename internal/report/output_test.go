package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./output -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func reports() []engine.Report {
	return []engine.Report{
		{
			File: "clips/repost.mp4", Kind: media.KindVideo, Verdict: rules.Match, Action: "label", ElapsedMS: 412,
			Duration: 7.43, Frames: 15,
			Matches: []engine.Match{{
				EntryID: "nypd-arrests-ice-sora", Title: "AI-generated video of NYPD officers arresting ICE agents",
				Claim: "Video shows NYPD officers arresting ICE agents", Rating: "False", Category: "TransformedContent",
				Verdict: rules.Match, Score: 0.874, Distance: 14, QueryCoverage: 0.933, EntryCoverage: 0.62, FramesMatched: 14,
				Media:    "nypd-ice-standin.mp4",
				Segments: []engine.Segment{{QueryStart: 0, QueryEnd: 7, EntryStart: 2.52, EntryEnd: 9.6}},
				FactChecks: []engine.FactCheck{
					{Publisher: "Lead Stories", URL: "https://leadstories.com/hoax-alert/2025/12/fact-check-videos-of-nypd-arresting-ice-are-not-reak.html",
						Title: "Fact Check: Videos Of NYPD Officers Arresting ICE Agents Are NOT Real -- Made By Sora AI Tool", Rating: "False", Date: "2025-12"},
					{Publisher: "AFP Fact Check", Rating: "False"},
				},
			}},
		},
		{
			File: "inbox/photo, with comma.jpg", Kind: media.KindImage, Verdict: rules.PossibleMatch, Action: "review", ElapsedMS: 9, Frames: 1,
			Matches: []engine.Match{{
				EntryID: "flood-photo", Title: "Old flood photo reshared as new", Rating: "Missing context", Category: "DecontextualizedContent",
				Verdict: rules.PossibleMatch, Score: 0.41, Distance: 29, QueryCoverage: 1, EntryCoverage: 1, FramesMatched: 1,
				Segments: []engine.Segment{{}}, FactChecks: []engine.FactCheck{},
			}},
		},
		{File: "inbox/cat.png", Kind: media.KindImage, Verdict: rules.NoMatch, Action: "none", ElapsedMS: 7, Frames: 1, Matches: []engine.Match{}},
		{File: "inbox/broken.mp4", Error: "ffmpeg: truncated or corrupt data: moov atom not found"},
	}
}

func writeAll(t *testing.T, f Format) []byte {
	t.Helper()
	var b bytes.Buffer
	w := NewReportWriter(&b, f, Style{})
	for _, r := range reports() {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReportFormats(t *testing.T) {
	for _, tt := range []struct {
		f    Format
		file string
	}{{Text, "check.txt"}, {JSON, "check.json"}, {JSONL, "check.jsonl"}, {CSV, "check.csv"}} {
		t.Run(string(tt.f), func(t *testing.T) { golden(t, tt.file, writeAll(t, tt.f)) })
	}
}

// TestJSONLKeysAreStable decodes every line and checks the documented keys.
func TestJSONLKeysAreStable(t *testing.T) {
	lines := bytes.Split(bytes.TrimSpace(writeAll(t, JSONL)), []byte("\n"))
	if len(lines) != 4 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		want := []string{"file", "kind", "verdict", "action", "matches", "elapsed_ms"}
		if i == 3 {
			want = []string{"file", "error"}
			if len(m) != 2 {
				t.Errorf("error line has extra keys: %v", m)
			}
		}
		for _, k := range want {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d lacks %q", i, k)
			}
		}
	}
	var r engine.Report
	json.Unmarshal(lines[0], &r)
	if r.Matches[0].Segments[0].EntryEnd != 9.6 || r.Matches[0].FactChecks[0].Publisher != "Lead Stories" {
		t.Errorf("round trip: %+v", r)
	}
}

func TestColourOnlyWhenAsked(t *testing.T) {
	var plain, colour bytes.Buffer
	NewReportWriter(&plain, Text, Style{}).Write(reports()[0])
	NewReportWriter(&colour, Text, Style{Color: true}).Write(reports()[0])
	if bytes.Contains(plain.Bytes(), []byte("\x1b[")) {
		t.Error("escape codes without colour")
	}
	if !bytes.Contains(colour.Bytes(), []byte("\x1b[1;31mMATCH")) {
		t.Error("no colour when asked")
	}
	t.Setenv("NO_COLOR", "1")
	if StyleFor(os.Stdout).Color {
		t.Error("NO_COLOR ignored")
	}
}

func hashResults() []HashResult {
	h1, _ := pdq.Parse("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	h2, _ := pdq.Parse("d8f8f0cee0f4a84f0e370222038f67f0b36e2ed596623e1d33e6339c4e9c9b22")
	return []HashResult{
		{File: "photo.jpg", FP: &fingerprint.Fingerprint{Kind: media.KindImage, Format: "jpeg", Width: 1600, Height: 1004,
			Frames: []fingerprint.Frame{{T: 0, PDQ: h1, Quality: 100}}},
			Small: []fingerprint.Small{{PHash: 0xc3d1e0f0a0b0c0d0, DHash: 0x0f0e0d0c0b0a0908}}},
		{File: "clip.mp4", FP: &fingerprint.Fingerprint{Kind: media.KindVideo, Format: "mov,mp4,m4a,3gp,3g2,mj2", Codec: "h264", Width: 640, Height: 360,
			Duration: 12, FPS: 25, Frames: []fingerprint.Frame{
				{T: 0, PDQ: h1, Quality: 98},
				{T: 0.52, PDQ: h2, Quality: 91},
			}},
			Small: []fingerprint.Small{{PHash: 1, DHash: 2}, {PHash: 3, DHash: 4}}},
		{File: "-not-an-option.bin", Err: errors.New("not an image or video (looks like text)")},
	}
}

func TestHashFormats(t *testing.T) {
	for _, tt := range []struct {
		f    Format
		file string
	}{{Text, "hash.txt"}, {JSON, "hash.json"}, {JSONL, "hash.jsonl"}, {VPDQ, "hash.vpdq"}} {
		t.Run(string(tt.f), func(t *testing.T) {
			var b bytes.Buffer
			for _, r := range hashResults() {
				if err := WriteHash(&b, tt.f, r); err != nil {
					t.Fatal(err)
				}
			}
			golden(t, tt.file, b.Bytes())
		})
	}
}

func TestCSVFormulaCells(t *testing.T) {
	row := CSVRow(engine.Report{File: "=HYPERLINK(\"http://x\")", Error: "@bad"})
	if row[0] != "'=HYPERLINK(\"http://x\")" || row[8] != "'@bad" {
		t.Errorf("formula cells not neutralised: %q", row)
	}
	if row := CSVRow(engine.Report{File: "clips/a.mp4", Verdict: rules.NoMatch}); row[0] != "clips/a.mp4" {
		t.Errorf("plain cell changed: %q", row[0])
	}
}

func TestParseFormat(t *testing.T) {
	if f, err := ParseFormat("JSONL", Text, JSONL); err != nil || f != JSONL {
		t.Errorf("%v %v", f, err)
	}
	if _, err := ParseFormat("xml", Text, JSON); err == nil || err.Error() != `unknown format "xml" (want text, json)` {
		t.Errorf("%v", err)
	}
}

func TestClock(t *testing.T) {
	for in, want := range map[float64]string{0: "0:00.0", 7.43: "0:07.4", 61.25: "1:01.2", -1: "0:00.0", 3599.9: "59:59.9"} {
		if got := Clock(in); got != want {
			t.Errorf("Clock(%g) = %s, want %s", in, got, want)
		}
	}
}

// TestNoColor follows https://no-color.org: NO_COLOR set to any non-empty
// value turns colour off; set but empty, it is as if unset.
func TestNoColor(t *testing.T) {
	for _, tt := range []struct {
		noColor, term  string
		terminal, want bool
	}{
		{"", "xterm", true, true},
		{"1", "xterm", true, false},
		{"0", "xterm", true, false}, // any value, even "0"
		{"", "dumb", true, false},
		{"", "xterm", false, false},
	} {
		if got := colorAllowed(tt.noColor, tt.term, tt.terminal); got != tt.want {
			t.Errorf("NO_COLOR=%q TERM=%q terminal=%v: colour %v, want %v", tt.noColor, tt.term, tt.terminal, got, tt.want)
		}
	}
}
