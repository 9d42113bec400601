package main

import (
	"html/template"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/provcheck/provcheck/internal/media"
)

// TestPageHTML: every layout's page shows the file with its chrome and
// refers to nothing outside its own directory.
func TestPageHTML(t *testing.T) {
	remote := regexp.MustCompile(`(?i)(https?:|//[a-z0-9]|url\(|@import|<link|<iframe)`)
	for name, l := range Layouts {
		for _, video := range []bool{false, true} {
			src := "media.jpg"
			if video {
				src = "media.mp4"
			}
			b, err := PageHTML(NewPageData(l, src, 1200, 800, video))
			if err != nil {
				t.Fatal(err)
			}
			page := string(b)
			if m := remote.FindString(page); m != "" {
				t.Errorf("%s: the page refers to something remote (%q)", name, m)
			}
			if !strings.Contains(page, `content="`+template.HTMLEscapeString(pageCSP)+`"`) || !strings.Contains(pageCSP, "default-src 'none'") {
				t.Errorf("%s: no Content-Security-Policy that forbids loading", name)
			}
			for _, want := range []string{`src="` + src + `"`, `class="avatar"`, "Daily Viral News", `class="actions"`, "<svg", "border-radius:16px", "likes"} {
				if l.Dark && want == "Daily Viral News" {
					want = "Real Stories"
				}
				if !strings.Contains(page, want) {
					t.Errorf("%s (video %v): the page lacks %q", name, video, want)
				}
			}
			if video != strings.Contains(page, "<video id=\"clip\" src=\"media.mp4\" autoplay muted") {
				t.Errorf("%s: video %v, page %s", name, video, page)
			}
		}
	}
	// The file name is escaped into the attribute.
	b, _ := PageHTML(NewPageData(Layouts["phone"], `a"><script>x</script>.jpg`, 10, 10, false))
	if strings.Contains(string(b), `<script>x`) {
		t.Error("the file name is not escaped")
	}
}

func TestFeedAspect(t *testing.T) {
	for _, tt := range []struct {
		w, h int
		want float64
	}{{1200, 800, 1.5}, {800, 1200, 0.8}, {4000, 1000, 1.91}, {500, 500, 1}, {0, 5, 1}} {
		if got := feedAspect(tt.w, tt.h); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("feedAspect(%d, %d) = %g, want %g", tt.w, tt.h, got, tt.want)
		}
	}
}

func TestBrowserArgs(t *testing.T) {
	x := x11grabArgs(":7", 1280, 720, 42, "out.mp4")
	for _, want := range [][]string{{"-f", "x11grab"}, {"-video_size", "1280x720"}, {"-i", ":7+0,0"}, {"-t", "42.0"}, {"-framerate", "25"}, {"-draw_mouse", "0"}} {
		i := slices.Index(x, want[0])
		if i < 0 || i+1 >= len(x) || x[i+1] != want[1] {
			t.Errorf("x11grab args %q lack %q", x, want)
		}
	}
	if x[len(x)-1] != "out.mp4" {
		t.Errorf("x11grab args %q: output not last", x)
	}
	if v := xvfbArgs(1280, 720); !slices.Contains(v, "-displayfd") || !slices.Contains(v, "1280x720x24") || !slices.Contains(v, "-nolisten") {
		t.Errorf("Xvfb args %q", v)
	}
	p := pageClipArgs("in.avi", "out.mp4")
	if p[0] != "-i" || p[1] != "in.avi" || !slices.Contains(p, "libx264") || p[len(p)-1] != "out.mp4" {
		t.Errorf("page clip args %q", p)
	}
	if u := fileURL("/tmp/a b/page.html"); u != "file:///tmp/a%20b/page.html" {
		t.Errorf("fileURL = %s", u)
	}
}

// TestBrowserNegatives: the browser recipes get negatives of their own,
// every few of each kind, in turn; the other templates' rotation is the
// same with or without them.
func TestBrowserNegatives(t *testing.T) {
	p := DebianPlan()
	all, _ := SelectRecipes(false, "")
	var without []Recipe
	for _, r := range all {
		if r.Browser == nil {
			without = append(without, r)
		}
	}
	a, b := NegativeRecipes(p.Negatives, all, 1), NegativeRecipes(p.Negatives, without, 1)
	if len(a) != len(b) {
		t.Fatalf("%d templated negatives with the browser recipes, %d without", len(a), len(b))
	}
	for it, r := range a {
		if b[it].Name != r.Name {
			t.Errorf("%s: template %s with the browser recipes, %s without", it.ID, r.Name, b[it].Name)
		}
		if r.Browser != nil {
			t.Errorf("%s: browser recipe %s in the template rotation", it.ID, r.Name)
		}
	}
	bn := BrowserNegatives(p.Negatives, all)
	count := map[media.Kind]int{}
	byRecipe := map[string]int{}
	for _, it := range p.Negatives {
		count[it.Kind]++
	}
	for it, r := range bn {
		if r.Browser == nil || !r.Applies(it.Kind) {
			t.Errorf("%s: %s", it.ID, r.Name)
		}
		byRecipe[r.Name]++
	}
	for _, k := range []media.Kind{media.KindImage, media.KindVideo} {
		want := (count[k] + browserNegEvery[k] - 1) / browserNegEvery[k]
		got := 0
		for it := range bn {
			if it.Kind == k {
				got++
			}
		}
		if got != want {
			t.Errorf("%s: %d browser negatives of %d, want %d", k, got, count[k], want)
		}
	}
	for _, r := range all {
		if r.Browser != nil && byRecipe[r.Name] == 0 {
			t.Errorf("%s has no negative", r.Name)
		}
	}
	// -kind picks the same ones.
	img := BrowserNegatives(ofKind(p.Negatives, string(media.KindImage)), all)
	for it, r := range img {
		if bn[it].Name != r.Name {
			t.Errorf("%s: %s with -kind image, %s without", it.ID, r.Name, bn[it].Name)
		}
	}
	// Selected recipes only: a run of other recipes has none.
	if n := len(BrowserNegatives(p.Negatives, without)); n != 0 {
		t.Errorf("%d browser negatives without browser recipes", n)
	}
}

// TestDropUnavailable: a browser recipe whose programs are missing is
// reported once, or is an error when it was asked for by name.
func TestDropUnavailable(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("PROVCHECK_CHROMIUM", "")
	rs, _ := SelectRecipes(false, "mirror,feed-phone")
	kept, _, notRun, err := dropUnavailable(rs, nil, false)
	if err != nil || len(kept) != 1 || kept[0].Name != "mirror" || len(notRun) != 1 || !strings.Contains(notRun[0], "apt-get install chromium") {
		t.Errorf("kept %v, not run %q, %v", kept, notRun, err)
	}
	if _, _, _, err := dropUnavailable(rs, nil, true); err == nil || !strings.Contains(err.Error(), "feed-phone") {
		t.Errorf("named: %v", err)
	}
}

// needBrowser skips a test that runs Chromium (and Xvfb for a
// recording) when they are missing, and fails it when CI is set.
func needBrowser(t *testing.T, b BrowserJob) {
	t.Helper()
	if err := b.Missing(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v, and CI is set: the browser recipes must be tested (make test installs them)", err)
		}
		t.Skip(err)
	}
}
