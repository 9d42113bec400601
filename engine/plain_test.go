package engine

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// TestSmallSubjectOnPlainGround: footage with little detail — a coin-sized
// picture (80 px of 640, in lowered contrast) drifting on a plain table,
// every frame under min_quality, so PDQ has nothing to match — is found
// re-encoded, mirrored and cropped, and cut to a corner, by local
// features whose spread is judged on the subject; another such clip on the
// same table is not a match with it.
func TestSmallSubjectOnPlainGround(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	for i, name := range []string{"coin", "other"} {
		if err := testmedia.WritePNG(p(name+".png"), testmedia.Picture(uint64(40+i), 240, 240)); err != nil {
			t.Fatal(err)
		}
		if err := testmedia.FFmpeg(ctx, "-f", "lavfi", "-i", "color=c=0xd8d4cc:s=640x360:d=8:r=25", "-loop", "1", "-i", p(name+".png"),
			"-filter_complex", "[1:v]scale=80:80,eq=contrast=0.7,format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(lt(hypot(X-40,Y-40),40),255,0)'[c];"+
				"[0:v]format=yuv420p,noise=alls=4:allf=t[bg];[bg][c]overlay=x='240+15*t':y='130+5*sin(t)':shortest=1,format=yuv420p",
			"-t", "8", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", p(name+".mp4")); err != nil {
			t.Fatal(err)
		}
	}
	variants := map[string][]string{
		"reencoded.mp4":   {"-c:v", "libx264", "-preset", "veryfast", "-crf", "32"},
		"mirror-crop.mp4": {"-vf", "hflip,crop=iw*0.8:ih*0.8", "-c:v", "libx264", "-preset", "veryfast"},
		"corner.mp4":      {"-vf", "crop=400:225:160:90", "-c:v", "libx264", "-preset", "veryfast"},
	}
	for name, args := range variants {
		if err := testmedia.FFmpeg(ctx, append([]string{"-i", p("coin.mp4")}, append(args, p(name))...)...); err != nil {
			t.Fatal(err)
		}
	}
	e := newTestEngine(t, nil)
	cfg := e.Config()
	if _, err := e.Register(ctx, AddRequest{Case: registry.Case{ID: "coin", Title: "A coin on a table", Rating: "False"}, Files: []string{p("coin.mp4")}}); err != nil {
		t.Fatal(err)
	}
	fp, err := e.Fingerprint(ctx, p("coin.mp4"), e.QuerySampling())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fp.Frames {
		if f.Quality >= cfg.Thresholds.MinQuality {
			t.Fatalf("frame at %.2f s has PDQ quality %d, not under min_quality %d: the clip is not low-detail", f.T, f.Quality, cfg.Thresholds.MinQuality)
		}
	}
	for name := range variants {
		c, err := e.CheckFile(ctx, p(name), CheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r := c.Report; r.Verdict != rules.Match || r.Matches[0].EntryID != "coin" {
			t.Errorf("%s: %s, want a match with coin", name, describe(r))
		}
	}
	// Another picture in the same round mask, on the same table, on the
	// same path: the outline is shared, and a few matches along it can
	// make a possible match (README, Local features); never a match.
	c, err := e.CheckFile(ctx, p("other.mp4"), CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Report.Verdict == rules.Match {
		t.Errorf("another coin on the same table: %s, want no match or a possible match", describe(c.Report))
	}
	t.Logf("another coin on the same table: %s", describe(c.Report))
}
