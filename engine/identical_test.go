package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// TestIdenticalFile: media no frame of which can be matched — a dim,
// nearly plain clip and a flat grey still, every frame under min_quality
// and without local features — are still recognised when the very file
// that was registered comes back (same SHA-256, whatever its name), as a
// match that says so; a re-encoded copy of them is not identical and,
// having no informative frame, is not matched. A file that also matches by
// its frames keeps that evidence and is marked identical too.
func TestIdenticalFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	for _, args := range [][]string{
		// A faint grey square drifting on a dark plain background.
		{"-f", "lavfi", "-i", "color=c=0x181818:s=640x360:r=25:d=4", "-vf",
			"drawbox=x='200+t*20':y=140:w=60:h=60:color=0x222222:t=fill,format=yuv420p", "-c:v", "libx264", "-preset", "veryfast", p("dark.mp4")},
		{"-f", "lavfi", "-i", "color=c=0x808080:s=800x600", "-frames:v", "1", "-q:v", "2", p("grey.jpg")},
		{"-i", p("dark.mp4"), "-c:v", "libx264", "-preset", "veryfast", "-crf", "30", p("dark-reencoded.mp4")},
		{"-i", p("grey.jpg"), "-q:v", "9", p("grey-reencoded.jpg")},
	} {
		if err := testmedia.FFmpeg(ctx, args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := testmedia.WriteJPEG(p("photo.jpg"), testmedia.Picture(5, 1200, 800), 92); err != nil {
		t.Fatal(err)
	}
	cfg, err := rules.Defaults().Translate()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Registry = p("registry.db")
	e, err := New(ctx, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for id, file := range map[string]string{"dark": "dark.mp4", "grey": "grey.jpg", "photo": "photo.jpg"} {
		if _, err := e.Register(ctx, AddRequest{Case: registry.Case{ID: id, Title: "Case " + id, Rating: "False",
			FactChecks: []registry.FactCheck{{Publisher: "Example Checks", URL: "https://example.org/fc/" + id}}},
			Files: []string{p(file)}}); err != nil {
			t.Fatal(err)
		}
	}
	renamed := p("forwarded-copy.mp4")
	data, err := os.ReadFile(p("dark.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(renamed, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file      string
		entry     string // "" no match
		media     string
		byFrames  bool // frame evidence too
		segmented bool
	}{
		{"dark.mp4", "dark", "dark.mp4", false, true},
		{"forwarded-copy.mp4", "dark", "dark.mp4", false, true},
		{"grey.jpg", "grey", "grey.jpg", false, false},
		{"photo.jpg", "photo", "photo.jpg", true, false},
		{"dark-reencoded.mp4", "", "", false, false},
		{"grey-reencoded.jpg", "", "", false, false},
	} {
		rep, err := e.Check(ctx, p(tc.file))
		if err != nil || rep.Failed() {
			t.Fatalf("%s: %v %s", tc.file, err, rep.Error)
		}
		if tc.entry == "" {
			if rep.Verdict != rules.NoMatch || rep.Frames != 0 {
				t.Errorf("%s: %s with %d informative frames, want no_match with none: %s", tc.file, rep.Verdict, rep.Frames, describe(rep))
			}
			continue
		}
		if rep.Verdict != rules.Match || len(rep.Matches) != 1 {
			t.Fatalf("%s: %s, want one match: %s", tc.file, rep.Verdict, describe(rep))
		}
		if !tc.byFrames && rep.Frames != 0 {
			t.Errorf("%s: %d informative frames, want none (the case is for media no frame can match)", tc.file, rep.Frames)
		}
		m := rep.Matches[0]
		if m.EntryID != tc.entry || !m.IdenticalFile || m.Media != tc.media || m.Score != 1 {
			t.Errorf("%s: %+v, want identical file %s of %s", tc.file, m, tc.media, tc.entry)
		}
		if len(m.FactChecks) != 1 || m.FactChecks[0].URL != "https://example.org/fc/"+tc.entry || m.Title != "Case "+tc.entry {
			t.Errorf("%s: the match does not carry its case: %+v", tc.file, m)
		}
		if (m.FramesMatched > 0) != tc.byFrames {
			t.Errorf("%s: %d frames matched, want frame evidence %v", tc.file, m.FramesMatched, tc.byFrames)
		}
		if !tc.byFrames && (len(m.Segments) > 0) != tc.segmented {
			t.Errorf("%s: segments %v", tc.file, m.Segments)
		}
		if m.Seen == nil || m.Seen.MediaSHA256 == "" {
			t.Errorf("%s: no evidence for the page: %+v", tc.file, m.Seen)
		}
		if rep.Action != cfg.Action(rules.Match) {
			t.Errorf("%s: action %q", tc.file, rep.Action)
		}
	}
}
