package server

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/rules"
)

var update = flag.Bool("update", false, "rewrite testdata/reply/* from the current replies")

// replyReports are reports of each kind a reply is written for.
var replyReports = map[string]engine.Report{
	"match-video": {Kind: media.KindVideo, Verdict: rules.Match, Matches: []engine.Match{{
		EntryID: "nypd-arrests-ice-sora", Title: "AI-generated video of NYPD officers arresting ICE agents",
		Claim: "Video shows NYPD officers arresting ICE agents", Rating: "False", Verdict: rules.Match,
		Segments: []engine.Segment{{QueryStart: 0, QueryEnd: 7.04, EntryStart: 2.52, EntryEnd: 9.6}},
		FactChecks: []engine.FactCheck{
			{Publisher: "Lead Stories", URL: "https://leadstories.com/hoax-alert/2025/12/fact-check.html", Rating: "False", Date: "2025-12"},
			{Publisher: "AFP Fact Check", URL: "https://factcheck.afp.com/doc.afp.com.123"},
		}}, {
		EntryID: "other", Title: "Another staged clip", Verdict: rules.PossibleMatch,
	}}},
	"possible-image": {Kind: media.KindImage, Verdict: rules.PossibleMatch, Matches: []engine.Match{{
		EntryID: "flood", Title: "Doctored photo of a flooded square", Rating: "Altered", Verdict: rules.PossibleMatch,
		FactChecks: []engine.FactCheck{{Publisher: "Desk (no link)"}}}}},
	"markup-in-registry-text": {Kind: media.KindImage, Verdict: rules.Match, Matches: []engine.Match{{
		EntryID: "odd", Title: "*Breaking* [video] of_ICE <script>\nsecond line", Rating: "False",
		Verdict:    rules.Match,
		FactChecks: []engine.FactCheck{{Publisher: "A [tricky] desk", URL: "https://example.org/a_(b)"}}}}},
	"no-match-video": {Kind: media.KindVideo, Verdict: rules.NoMatch, Matches: []engine.Match{}},
	"failed":         {File: "clip.mp4", Error: "mp4: truncated or corrupt data"},
}

func TestReplyText(t *testing.T) {
	for name, rep := range replyReports {
		for _, f := range []ReplyFormat{ReplyText, ReplyMarkdown} {
			ext := ".txt"
			if f == ReplyMarkdown {
				ext = ".md"
			}
			t.Run(name+ext, func(t *testing.T) {
				got := Reply(rep, f)
				path := filepath.Join("testdata", "reply", name+ext)
				if *update {
					os.MkdirAll(filepath.Dir(path), 0o755)
					if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if got+"\n" != string(want) {
					t.Errorf("reply differs from %s:\n%s", path, got)
				}
				if strings.Contains(got, "\r") || strings.Contains(got, "\t") {
					t.Errorf("control characters in %q", got)
				}
			})
		}
	}
}

func TestParseReplyFormat(t *testing.T) {
	for in, want := range map[string]ReplyFormat{"": ReplyText, "text": ReplyText, "plain": ReplyText, "Markdown": ReplyMarkdown, "md": ReplyMarkdown} {
		if got, ok := ParseReplyFormat(in); !ok || got != want {
			t.Errorf("%q: %q %v", in, got, ok)
		}
	}
	if _, ok := ParseReplyFormat("html"); ok {
		t.Error("html accepted")
	}
}
