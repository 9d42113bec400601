package engine

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// TestStopListPreventsTitleCardMatch: two unrelated clips open with the same
// channel title card. Without a stop-list the shared card makes them match;
// with the card on the stop-list they do not, and the registered clip is
// still recognised.
func TestStopListPreventsTitleCardMatch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	if err := testmedia.WritePNG(p("card.png"), testmedia.Picture(4242, 640, 360)); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"a-body.mp4", "b-body.mp4"} {
		if err := testmedia.WriteVideo(ctx, p(name), testmedia.VideoSpec{Seed: uint64(500 + i), W: 640, H: 360, FPS: 25, Seconds: 6, Scene: 3}); err != nil {
			t.Fatal(err)
		}
	}
	withCard := func(body, out string) {
		t.Helper()
		err := testmedia.FFmpeg(ctx, "-loop", "1", "-t", "4", "-i", p("card.png"), "-i", p(body), "-filter_complex",
			"[0:v]fps=25,setsar=1,format=yuv420p[a];[1:v]fps=25,setsar=1,format=yuv420p[b];[a][b]concat=n=2:v=1",
			"-c:v", "libx264", "-preset", "veryfast", p(out))
		if err != nil {
			t.Fatal(err)
		}
	}
	withCard("a-body.mp4", "a.mp4")
	withCard("b-body.mp4", "b.mp4")

	cfg, _ := rules.Defaults().Translate()
	cfg.Registry = p("reg.db")
	e, err := New(ctx, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Register(ctx, AddRequest{Case: registry.Case{ID: "a", Title: "Clip A"}, Files: []string{p("a.mp4")}}); err != nil {
		t.Fatal(err)
	}
	before, _ := e.Check(ctx, p("b.mp4"))
	if before.Verdict == rules.NoMatch {
		t.Fatalf("the shared title card should make B look like A without a stop-list: %s", describe(before))
	}
	frames, err := e.StopFramesFromFile(ctx, p("card.png"), "channel title card")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store().AddStopFrames(ctx, frames); err != nil {
		t.Fatal(err)
	}
	after, _ := e.Check(ctx, p("b.mp4"))
	if after.Verdict != rules.NoMatch {
		t.Errorf("with the card on the stop-list B still matches: %s", describe(after))
	}
	self, _ := e.Check(ctx, p("a.mp4"))
	if self.Verdict != rules.Match {
		t.Errorf("A itself no longer matches: %s", describe(self))
	}
}
