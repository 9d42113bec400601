package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/rules"
)

// report is a video match with three aligned frames.
func report() engine.Report {
	return engine.Report{File: "repost.mp4", Kind: media.KindVideo, Verdict: rules.Match, Duration: 8, Frames: 16,
		Matches: []engine.Match{{
			EntryID: "case-1", Title: `Fake <script>alert(1)</script> video`, Claim: `"quoted" & <b>bold</b>`,
			Rating: "False", Category: "TransformedContent", Verdict: rules.Match, Distance: 12, FramesMatched: 3,
			Media: "orig.mp4", Segments: []engine.Segment{{QueryStart: 0, QueryEnd: 4, EntryStart: 2, EntryEnd: 6}},
			FactChecks: []engine.FactCheck{
				{Publisher: "Good Desk", URL: "https://example.org/fc", Title: "It is fake", Date: "2025-12"},
				{Publisher: "Bad <i>Desk</i>", URL: "javascript:alert(1)", Title: "Click me"},
			},
			Seen: &engine.Seen{MediaSHA256: "ab12", MediaKind: media.KindVideo, MediaDuration: 12, Pairs: []engine.FramePair{
				{QueryT: 0, EntryT: 2, EntryFrame: 10, Distance: 12},
				{QueryT: 2, EntryT: 4, EntryFrame: 20, Distance: 20,
					Region: &engine.PairRegion{Query: &engine.Rect{X: 0.1, Y: 0.2, W: 0.5, H: 0.4}, Entry: &engine.Rect{X: 0, Y: 0, W: 1, H: 1}}},
				{QueryT: 4, EntryT: 6, EntryFrame: 30, Distance: 25},
			}},
		}}}
}

func render(t *testing.T, res Result) string {
	t.Helper()
	r, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	r.Fragment(w, 200, "checkpage", "result", res)
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if csp := w.Header().Get("Content-Security-Policy"); csp != CSP {
		t.Errorf("CSP %q", csp)
	}
	return w.Body.String()
}

func TestResultEvidence(t *testing.T) {
	ev := Evidence{
		QueryThumb: func(t float64) ([]byte, int, int, bool) {
			return []byte{0xff, 0xd8, 0xff, 0xd9}, 90, 160, t != 4 // no thumbnail of the last frame
		},
		EntryThumbs:   func(caseID, sha string) map[int]bool { return map[int]bool{10: true, 20: true} },
		Cases:         5,
		MatchDistance: 31,
	}
	html := render(t, NewResult(report(), ev))
	for _, want := range []string{
		`Debunked`,
		`Fake &lt;script&gt;alert(1)&lt;/script&gt; video`,
		`&#34;quoted&#34; &amp; &lt;b&gt;bold&lt;/b&gt;`,
		`href="https://example.org/fc"`,
		`Bad &lt;i&gt;Desk&lt;/i&gt;`,
		`src="data:image/jpeg;base64,/9j/2Q=="`,
		`src="/thumbs/case-1/ab12/10.jpg"`,
		`src="/thumbs/case-1/ab12/20.jpg"`,
		`<rect x="0.1" y="0.2" width="0.5" height="0.4">`, // the region outlined on the checked frame
		`The outlined area is where the registered picture was found.`,
		`<rect class="seg" x="0" y="8" width="500" height="24">`,    // 0–4 s of an 8 s clip
		`<rect class="seg" x="167" y="64" width="333" height="24">`, // 2–6 s of a 12 s clip
		`0:00.0–0:04.0 of this file shows 0:02.0–0:06.0 of the registered orig.mp4.`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("result lacks %s", want)
		}
	}
	for _, bad := range []string{"<script>", "javascript:", "<i>Desk", "/thumbs/case-1/ab12/30.jpg", "keeps no thumbnails"} {
		if strings.Contains(html, bad) {
			t.Errorf("result contains %s", bad)
		}
	}
	if n := strings.Count(html, `class="region"`); n != 2 {
		t.Errorf("%d region outlines, want 2 (both sides of one pair)", n)
	}
	if n := strings.Count(html, "no thumbnail"); n != 1 {
		t.Errorf("%d registered frames without a thumbnail, want 1", n)
	}
}

// A registry without thumbnails (made with --no-thumbnails, or by an older
// version) still shows the checked side, with a note.
func TestResultWithoutRegisteredThumbnails(t *testing.T) {
	ev := Evidence{QueryThumb: func(float64) ([]byte, int, int, bool) { return []byte{0xff, 0xd8}, 90, 160, true }}
	html := render(t, NewResult(report(), ev))
	if !strings.Contains(html, "keeps no thumbnails of the registered media") || strings.Contains(html, "/thumbs/") ||
		strings.Count(html, "data:image/jpeg") != 3 {
		t.Errorf("result without registered thumbnails:\n%s", html)
	}
}

func TestResultNoMatch(t *testing.T) {
	html := render(t, NewResult(engine.Report{File: "x.jpg", Kind: media.KindImage, Verdict: rules.NoMatch, Frames: 1}, Evidence{Cases: 3}))
	for _, want := range []string{"No known debunk", "None of the 3 cases", "does <strong>not</strong> mean"} {
		if !strings.Contains(html, want) {
			t.Errorf("no_match lacks %q:\n%s", want, html)
		}
	}
}

func TestResultFailed(t *testing.T) {
	html := render(t, NewResult(engine.Report{File: "<b>x</b>.jpg", Error: "not an image or video"}, Evidence{}))
	if !strings.Contains(html, "Not checked") || !strings.Contains(html, "&lt;b&gt;x&lt;/b&gt;.jpg") || !strings.Contains(html, "not an image or video") {
		t.Errorf("failed result:\n%s", html)
	}
}

func TestSpread(t *testing.T) {
	var ps []engine.FramePair
	for i := range 20 {
		ps = append(ps, engine.FramePair{EntryFrame: i})
	}
	got := spread(ps, MaxPairs)
	if len(got) != MaxPairs || got[0].EntryFrame != 0 || got[len(got)-1].EntryFrame != 19 {
		t.Errorf("spread: %+v", got)
	}
}

func TestSafeURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://leadstories.com/x": true, "http://example.org": true,
		"javascript:alert(1)": false, "data:text/html,x": false, "//evil.example": false, "": false, "https://": false,
	} {
		if got := SafeURL(u) != ""; got != ok {
			t.Errorf("SafeURL(%q) = %v", u, got)
		}
	}
}

// TestResultIdenticalFile: a match by the file's digest alone says so in
// its evidence, instead of counting frames it has none of.
func TestResultIdenticalFile(t *testing.T) {
	rep := engine.Report{File: "dark.mp4", Kind: media.KindVideo, Verdict: rules.Match, Matches: []engine.Match{{
		EntryID: "dark", Title: "A dark clip", Verdict: rules.Match, Score: 1, QueryCoverage: 1, EntryCoverage: 1,
		Media: "night.mp4", IdenticalFile: true, Segments: []engine.Segment{{QueryStart: 0, QueryEnd: 4, EntryStart: 0, EntryEnd: 4}},
		FactChecks: []engine.FactCheck{}, Seen: &engine.Seen{MediaSHA256: "ab12", MediaKind: media.KindVideo, MediaDuration: 4, Pairs: []engine.FramePair{}},
	}}}
	html := render(t, NewResult(rep, Evidence{Cases: 1, MatchDistance: 31}))
	if !strings.Contains(html, "Your file is byte for byte the registered night.mp4 (the same SHA-256)") {
		t.Errorf("no identical-file evidence in:\n%s", html)
	}
	if strings.Contains(html, "0 frames matched") {
		t.Errorf("counts frames it has none of:\n%s", html)
	}
}
