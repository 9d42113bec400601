package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/rules"
)

// TestQuickGenerated runs the whole quick path on the tiny generated
// corpus: media, variants, registration, checks, summary and reports.
func TestQuickGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ffmpeg and the engine on a generated corpus")
	}
	work := t.TempDir()
	opt := Options{Work: work, Quick: true, Generated: true, Workers: 2, Negatives: true}
	run, err := Evaluate(context.Background(), opt, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s := Summarise(run, "go run ./eval -generated -quick")

	plan := GeneratedPlan(true)
	if s.Corpus.RegisteredVideos != 1 || s.Corpus.RegisteredImages != 2 {
		t.Errorf("registered %d videos, %d images; want 1 and 2", s.Corpus.RegisteredVideos, s.Corpus.RegisteredImages)
	}
	recipes, _ := SelectRecipes(true, "")
	wantVariants := 0
	for _, r := range recipes {
		if r.Video {
			wantVariants++
		}
		if r.Image {
			wantVariants += 2
		}
	}
	if s.Corpus.Variants != wantVariants {
		t.Errorf("%d variants checked, want %d", s.Corpus.Variants, wantVariants)
	}
	wantNeg := len(plan.Negatives) + len(NegativeRecipes(plan.Negatives, recipes, negativeEvery(true)))
	if s.Negatives.Files != wantNeg || s.Corpus.Negatives != len(plan.Negatives) {
		t.Errorf("%d negatives checked (%d plain), want %d (%d)", s.Negatives.Files, s.Corpus.Negatives, wantNeg, len(plan.Negatives))
	}
	if len(s.Failed) > 0 {
		t.Errorf("files failed: %s: %s", s.Failed[0].ID, s.Failed[0].Error)
	}
	// Every selected recipe has a row per kind it applies to, with every
	// variant counted.
	rows := map[string]Row{}
	for _, r := range s.Rows {
		rows[r.Transform+"/"+r.Kind] = r
	}
	for _, r := range recipes {
		for _, k := range []media.Kind{media.KindVideo, media.KindImage} {
			if !r.Applies(k) {
				continue
			}
			want := map[media.Kind]int{media.KindVideo: 1, media.KindImage: 2}[k]
			if got := rows[r.Name+"/"+string(k)].Files; got != want {
				t.Errorf("%s/%s: %d variants, want %d", r.Name, k, got, want)
			}
		}
	}
	// The control: a registered file checked as it is must match itself.
	for _, k := range []string{"video", "image"} {
		if r := rows["original/"+k]; r.Recall != 1 {
			t.Errorf("original %s: recall %.2f, want 1", k, r.Recall)
		}
	}
	// The control's report evidence is kept.
	for _, r := range run.Results {
		if r.Transform == "original" && (len(r.Matches) == 0 || r.Matches[0].Entry != r.Expected || r.Matches[0].FramesMatched == 0) {
			t.Errorf("%s: matches %+v, want its own case first", r.ID, r.Matches)
		}
	}
	// Each miss carries the nearest-frame evidence.
	for _, m := range s.Misses {
		if m.Evidence == nil {
			t.Errorf("miss %s has no evidence", m.ID)
		} else if m.Evidence.Error == "" && m.Evidence.QueryFrames > 0 && m.Evidence.BestDistance < 0 {
			t.Errorf("miss %s: query frames but no distance", m.ID)
		}
	}
	if run.CheckStats[media.KindVideo].Files == 0 || run.CheckStats[media.KindImage].Files == 0 {
		t.Errorf("check stats: %+v %+v", run.CheckStats[media.KindVideo], run.CheckStats[media.KindImage])
	}
	if run.Register.Media != 3 || run.Register.IndexEntries == 0 {
		t.Errorf("registration: %+v", run.Register)
	}

	var md bytes.Buffer
	WriteMarkdown(&md, s, true)
	for _, want := range []string{"| transformation | videos |", "| original (control) | 1 |", "**overall**", "### Negatives", "### Throughput"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md.String())
		}
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, s, run.Results); err != nil {
		t.Fatal(err)
	}
	var back Summary
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Results) != len(run.Queries) || back.Corpus.Variants != s.Corpus.Variants {
		t.Errorf("JSON: %d results, want %d", len(back.Results), len(run.Queries))
	}

	// Made again, every variant comes from the cache.
	env := NewEnv(work, slog.New(slog.DiscardHandler))
	for _, q := range run.Queries {
		if q.Recipe == "" {
			continue
		}
		r, _ := SelectRecipes(false, q.Recipe)
		again, err := MakeVariant(context.Background(), env, r[0], q.Source)
		if err != nil {
			t.Fatal(err)
		}
		if again.made || again.Path != q.Path {
			t.Errorf("%s made again (%s, was %s); want it from the cache", q.ID, again.Path, q.Path)
		}
	}
}

// TestRecipesMakeMedia applies every recipe to a tiny clip or picture and
// checks the shape of what comes out.
func TestRecipesMakeMedia(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ffmpeg")
	}
	ctx := context.Background()
	work := t.TempDir()
	env := NewEnv(work, slog.New(slog.DiscardHandler))
	clip := genVideo("v-clip", testmedia.VideoSpec{Seed: 1, W: 192, H: 108, FPS: 10, Seconds: 4, Scene: 2})
	pic := genPicture("i-pic", 2, 201, 151) // odd sizes, as some photos have
	for _, it := range []*Item{clip, pic} {
		it.Registered = true
		if err := it.Prepare(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	type shape struct {
		kind   media.Kind
		w, h   int     // exact size, when set
		aspect float64 // w/h, when set
		dur    float64 // duration, when set (±0.25 s)
	}
	want := map[string]shape{
		"original/v-clip":                 {kind: media.KindVideo, w: 192, h: 108, dur: 4},
		"reencode-lowq/v-clip":            {kind: media.KindVideo, w: 192, h: 108, dur: 4},
		"downscale/v-clip":                {kind: media.KindVideo, w: 160, h: 90},
		"crop-9x16/v-clip":                {kind: media.KindVideo, aspect: 9.0 / 16},
		"crop-9x16/i-pic":                 {kind: media.KindImage, aspect: 9.0 / 16},
		"tiktok-blur/v-clip":              {kind: media.KindVideo, w: 540, h: 960},
		"tiktok-blur/i-pic":               {kind: media.KindImage, w: 540, h: 960},
		"letterbox/v-clip":                {kind: media.KindVideo, w: 192, h: 144},
		"pillarbox/i-pic":                 {kind: media.KindImage, w: 268, h: 152},
		"pad-color/i-pic":                 {kind: media.KindImage, w: 216, h: 216},
		"caption/i-pic":                   {kind: media.KindImage, w: 202, h: 210},
		"speed-up/v-clip":                 {kind: media.KindVideo, dur: 3.2},
		"slow-down/v-clip":                {kind: media.KindVideo, dur: 5.33},
		"trim/v-clip":                     {kind: media.KindVideo, dur: 3},
		"pip-app/v-clip":                  {kind: media.KindVideo, w: 1280, h: 720},
		"screenshot-app/i-pic":            {kind: media.KindImage, w: 1280, h: 720},
		"screenshot-phone/i-pic":          {kind: media.KindImage, w: 720, h: 1280},
		"gif/v-clip":                      {kind: media.KindVideo, w: 360},
		"still-frame/v-clip":              {kind: media.KindImage, w: 192, h: 108},
		"photo-video/i-pic":               {kind: media.KindVideo, w: 200, h: 152, dur: 6},
		"jpeg-q20/i-pic":                  {kind: media.KindImage, w: 201, h: 151},
		"webp/i-pic":                      {kind: media.KindImage, w: 201, h: 151},
		"letterbox/i-pic":                 {kind: media.KindImage, w: 202, h: 200},
		"trim+letterbox+watermark/v-clip": {kind: media.KindVideo, w: 192, h: 144, dur: 3},
		"feed-phone/i-pic":                {kind: media.KindImage, w: 824, h: 1830},
		"feed-phone-dark/i-pic":           {kind: media.KindImage, w: 780, h: 1688},
		"feed-desktop/i-pic":              {kind: media.KindImage, w: 1366, h: 768},
		"screen-recording/v-clip":         {kind: media.KindVideo, w: 1280, h: 720},
	}
	for _, r := range Recipes {
		for _, it := range []*Item{clip, pic} {
			if !r.Applies(it.Kind) {
				continue
			}
			t.Run(r.Name+"/"+it.ID, func(t *testing.T) {
				if r.Browser != nil {
					needBrowser(t, *r.Browser)
				}
				q, err := MakeVariant(ctx, env, r, it)
				if err != nil {
					t.Fatal(err)
				}
				p, err := ProbeFile(ctx, q.Path)
				if err != nil {
					t.Fatal(err)
				}
				if p.Kind == "" || p.W == 0 || p.H == 0 {
					t.Fatalf("probe %+v", p)
				}
				if p.Kind == media.KindVideo && filepath.Ext(q.Path) != ".gif" {
					// A stack of sources with different time bases once
					// came out at ~51,200 fps, every frame duplicated.
					if fps := avgFrameRate(t, q.Path); fps <= 0 || fps > 61 {
						t.Errorf("average frame rate %.1f", fps)
					}
				}
				if r.Browser != nil && r.Browser.Record && (p.Duration < it.Probe.Duration || p.Duration > it.Probe.Duration+30) {
					// The recording runs from before the page opens until
					// after the clip has ended.
					t.Errorf("recording of %.2f s for a clip of %.2f s", p.Duration, it.Probe.Duration)
				}
				w, ok := want[q.ID]
				if !ok {
					return
				}
				if p.Kind != w.kind {
					t.Errorf("kind %s, want %s", p.Kind, w.kind)
				}
				if w.w != 0 && p.W != w.w || w.h != 0 && p.H != w.h {
					t.Errorf("size %dx%d, want %dx%d", p.W, p.H, w.w, w.h)
				}
				if w.aspect != 0 && math.Abs(float64(p.W)/float64(p.H)-w.aspect) > 0.03 {
					t.Errorf("aspect %dx%d, want %.3f", p.W, p.H, w.aspect)
				}
				if w.dur != 0 && math.Abs(p.Duration-w.dur) > 0.25 {
					t.Errorf("duration %.2f, want %.2f", p.Duration, w.dur)
				}
				if filepath.Ext(q.Path) == ".jpg" && r.Name == "jpeg-q20" {
					orig, _ := os.Stat(it.Path)
					small, _ := os.Stat(q.Path)
					if small.Size() >= orig.Size() {
						t.Errorf("JPEG q20 is %d bytes, the q90 original %d", small.Size(), orig.Size())
					}
				}
			})
		}
	}
	// Every expectation names a recipe that applies to its source.
	for id := range want {
		name, src, _ := strings.Cut(id, "/")
		r, err := SelectRecipes(false, name)
		it := map[string]*Item{"v-clip": clip, "i-pic": pic}[src]
		if err != nil || it == nil || !r[0].Applies(it.Kind) {
			t.Errorf("expectation %s names no variant", id)
		}
	}
}

func TestTrimWindow(t *testing.T) {
	tests := []struct {
		dur, start, length float64
	}{
		{4, 1, 3},
		{3.44, 0.44, 3},
		{14, 4.67, 4.2},
		{30, 10, 6},
		{2, 0, 2},
	}
	for _, tt := range tests {
		s, l := trimWindow(tt.dur)
		if s != tt.start || l != tt.length {
			t.Errorf("trimWindow(%g) = %g, %g; want %g, %g", tt.dur, s, l, tt.start, tt.length)
		}
		if s+l > tt.dur+1e-9 {
			t.Errorf("trimWindow(%g) runs past the end", tt.dur)
		}
	}
}

func TestDebianPlan(t *testing.T) {
	p := DebianPlan()
	ids := map[string]bool{}
	regFiles := map[string]string{}
	var videos, images int
	for _, it := range p.Registered {
		if it.Kind == media.KindVideo {
			videos++
		} else {
			images++
		}
		for _, f := range it.Files {
			regFiles[f] = it.ID
		}
	}
	if videos < 10 || images < 30 {
		t.Errorf("%d registered videos and %d images; want at least 10 and 30", videos, images)
	}
	recipes, _ := SelectRecipes(false, "")
	if n := len(p.Negatives) + len(NegativeRecipes(p.Negatives, recipes, negativeEvery(false))); n < 500 {
		t.Errorf("%d negatives; want at least 500", n)
	}
	for _, it := range append(append([]*Item{}, p.Registered...), p.Negatives...) {
		if ids[it.ID] {
			t.Errorf("duplicate id %s", it.ID)
		}
		ids[it.ID] = true
		if !rulesValidID(it.ID) {
			t.Errorf("%s is not a valid case id", it.ID)
		}
		if it.make == nil || it.Ext == "" || it.Key == "" {
			t.Errorf("%s is incomplete", it.ID)
		}
		if kindOfExt(it.Ext) != it.Kind && !(it.Ext == "gif" || it.Ext == "avi" || it.Ext == "mov" || it.Ext == "webm") {
			t.Errorf("%s: extension %s for a %s", it.ID, it.Ext, it.Kind)
		}
	}
	// No negative is made from a file a registered medium is made from.
	for _, it := range p.Negatives {
		for _, f := range it.Files {
			if reg, ok := regFiles[f]; ok {
				t.Errorf("negative %s uses %s, registered as %s", it.ID, f, reg)
			}
		}
	}

	q := SelectPlan(Options{Quick: true, Negatives: true})
	var qv, qi int
	for _, it := range q.Registered {
		if it.Kind == media.KindVideo {
			qv++
		} else {
			qi++
		}
	}
	qr, _ := SelectRecipes(true, "")
	qn := len(q.Negatives) + len(NegativeRecipes(q.Negatives, qr, negativeEvery(true)))
	if qv != 3 || qi != 6 || qn < 30 {
		t.Errorf("quick plan: %d videos, %d images, %d negatives; want 3, 6, ≥30", qv, qi, qn)
	}
	if n := SelectPlan(Options{Quick: true, Negatives: false}); len(n.Negatives) != 0 {
		t.Errorf("-negatives=false kept %d negatives", len(n.Negatives))
	}
}

// rulesValidID mirrors the registry's case id rule.
func rulesValidID(id string) bool {
	if id == "" || len(id) > 100 {
		return false
	}
	for i, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '.' || c == '_' || c == '-')
		if !ok {
			return false
		}
	}
	return true
}

func TestSelectRecipes(t *testing.T) {
	names := map[string]bool{}
	for _, r := range Recipes {
		if names[r.Name] {
			t.Errorf("duplicate recipe %s", r.Name)
		}
		names[r.Name] = true
		if !r.Video && !r.Image {
			t.Errorf("%s applies to nothing", r.Name)
		}
	}
	rs, err := SelectRecipes(false, "mirror, caption")
	if err != nil || len(rs) != 2 || rs[0].Name != "mirror" || rs[1].Name != "caption" {
		t.Errorf("SelectRecipes(mirror, caption) = %v, %v", rs, err)
	}
	if _, err := SelectRecipes(false, "mirror,nonesuch"); err == nil || !strings.Contains(err.Error(), "nonesuch") {
		t.Errorf("unknown name: err %v", err)
	}
	quick, _ := SelectRecipes(true, "")
	for _, r := range quick {
		if !r.Quick {
			t.Errorf("%s is not quick", r.Name)
		}
	}
	if len(quick) == 0 || len(quick) >= len(Recipes) {
		t.Errorf("%d quick recipes of %d", len(quick), len(Recipes))
	}
}

// TestSummarise checks the arithmetic of the summary on made-up results.
func TestSummarise(t *testing.T) {
	vid := &Item{ID: "v-a", Kind: media.KindVideo, Registered: true, Pkgs: []string{"p"}, Probe: Probe{Kind: media.KindVideo}}
	img := &Item{ID: "i-a", Kind: media.KindImage, Registered: true, Probe: Probe{Kind: media.KindImage}}
	res := func(id, tr string, src *Item, exp string, hit, verdict rules.Verdict) *Result {
		return &Result{ID: id, Transform: tr, SourceKind: src.Probe.Kind, Kind: src.Probe.Kind, Expected: exp, Hit: hit, Verdict: verdict}
	}
	results := []*Result{
		res("original/v-a", "original", vid, "v-a", rules.Match, rules.Match),
		res("mirror/v-a", "mirror", vid, "v-a", rules.Match, rules.Match),
		res("trim/v-a", "trim", vid, "v-a", rules.PossibleMatch, rules.PossibleMatch),
		res("original/i-a", "original", img, "i-a", rules.Match, rules.Match),
		res("mirror/i-a", "mirror", img, "i-a", rules.NoMatch, rules.NoMatch),
		res("n-1", "", img, "", "", rules.NoMatch),
		res("n-2", "", img, "", "", rules.PossibleMatch),
		res("caption/n-3", "caption", img, "", "", rules.Match),
	}
	results[4].WrongMatch = true
	results[4].Top = "v-a"
	results[5].Category, results[6].Category, results[7].Category = "real photo", "real photo", "transformed"
	run := &Run{Plan: Plan{Registered: []*Item{vid, img}}, Results: results, Started: time.Unix(0, 0)}
	s := Summarise(run, "test")

	if c := s.Corpus; c.RegisteredVideos != 1 || c.RealVideos != 1 || c.RegisteredImages != 1 || c.RealImages != 0 || c.Variants != 5 ||
		c.Negatives != 2 || c.TransformedNegatives != 1 {
		t.Errorf("corpus %+v", c)
	}
	ov := s.Overall["video"]
	if ov.Files != 2 || ov.Match != 1 || ov.MatchOrPossible != 2 || ov.Recall != 0.5 || ov.RecallPossible != 1 {
		t.Errorf("overall video %+v (the control must not count)", ov)
	}
	oi := s.Overall["image"]
	if oi.Files != 1 || oi.Match != 0 || oi.WrongMatch != 1 {
		t.Errorf("overall image %+v", oi)
	}
	n := s.Negatives
	if n.Files != 3 || n.Match != 1 || n.Possible != 1 || len(n.Offending) != 2 || n.ByCategory["real photo"] != 2 || math.Abs(n.PossibleRate-1.0/3) > 1e-9 {
		t.Errorf("negatives %+v", n)
	}
	if len(s.Misses) != 2 || s.Misses[0].ID != "mirror/i-a" || s.Misses[1].ID != "trim/v-a" {
		var ids []string
		for _, m := range s.Misses {
			ids = append(ids, m.ID)
		}
		t.Errorf("misses %v, want mirror/i-a then trim/v-a (recipe order)", ids)
	}
	var md bytes.Buffer
	WriteMarkdown(&md, s, true)
	for _, want := range []string{"| mirror | 1 | 1.00 | 1.00 | 1 | 0.00 | 0.00 |", "| trim | 1 | 0.00 | 1.00 | – | – | – |",
		"| 3 | 1 | 1 (33.3%) |", "mirror/image 1", "| caption/n-3 | match |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md.String())
		}
	}
}

func TestRunFlags(t *testing.T) {
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"-list"}, &out, &errOut); code != 0 {
		t.Fatalf("-list: exit %d: %s", code, errOut.String())
	}
	for _, r := range Recipes {
		if !strings.Contains(out.String(), r.Name) {
			t.Errorf("-list lacks %s", r.Name)
		}
	}
	for _, args := range [][]string{{"-only", "nonesuch"}, {"-workers", "0"}, {"extra"}, {"-nonesuch"}} {
		errOut.Reset()
		if code := run(ctx, args, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if errOut.Len() == 0 {
			t.Errorf("%v: no message", args)
		}
	}
}

// TestSelectPlanKind: -kind keeps the registered media and the negatives
// of one kind, and nothing else.
func TestSelectPlanKind(t *testing.T) {
	all := SelectPlan(Options{Negatives: true})
	for _, kind := range []media.Kind{media.KindVideo, media.KindImage} {
		p := SelectPlan(Options{Negatives: true, Kind: string(kind)})
		count := func(items []*Item) (n int) {
			for _, it := range items {
				if it.Kind == kind {
					n++
				}
			}
			return n
		}
		if len(p.Registered) == 0 || len(p.Negatives) == 0 {
			t.Fatalf("%s: %d registered, %d negatives", kind, len(p.Registered), len(p.Negatives))
		}
		if count(p.Registered) != len(p.Registered) || count(p.Negatives) != len(p.Negatives) {
			t.Errorf("%s: other kinds kept", kind)
		}
		if len(p.Registered) != count(all.Registered) || len(p.Negatives) != count(all.Negatives) {
			t.Errorf("%s: some of that kind dropped", kind)
		}
	}
}

// avgFrameRate is ffprobe's average frame rate of the first video stream.
func avgFrameRate(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=avg_frame_rate", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	num, den, _ := strings.Cut(strings.TrimSpace(string(out)), "/")
	n, _ := strconv.ParseFloat(num, 64)
	d, _ := strconv.ParseFloat(den, 64)
	if d == 0 {
		return 0
	}
	return n / d
}
