package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// bundleJSON is a valid bundle of one case, as exported, with mod applied
// to the case's JSON object first.
func bundleJSON(t *testing.T, mod func(c map[string]any)) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(21, 22))
	c := testCase(r, "hostile")
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	if mod != nil {
		mod(m)
	}
	out, err := json.Marshal(map[string]any{"format": BundleFormat, "version": BundleVersion, "cases": []any{m}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func medium0(c map[string]any) map[string]any { return c["media"].([]any)[0].(map[string]any) }
func fp0(c map[string]any) map[string]any     { return medium0(c)["fingerprint"].(map[string]any) }

// TestBundleLimits: values that used to be accepted — a 50 MB title, a 1 MB
// media name, a negative duration, width −1, fps 1e308, 100,000 tags —
// are refused with the path of the field.
func TestBundleLimits(t *testing.T) {
	if _, err := ReadBundle(bytes.NewReader(bundleJSON(t, nil))); err != nil {
		t.Fatalf("the valid bundle: %v", err)
	}
	many := make([]any, 100_000)
	for i := range many {
		many[i] = "t"
	}
	tags1000 := make([]any, 1000)
	for i := range tags1000 {
		tags1000[i] = "tag" + strings.Repeat("x", i%7)
	}
	tests := []struct {
		name string
		mod  func(c map[string]any)
		want string
	}{
		{"50 MB title", func(c map[string]any) { c["title"] = strings.Repeat("T", 50<<20) }, "cases[0].title: the value is too large"},
		{"long title", func(c map[string]any) { c["title"] = strings.Repeat("T", 600) }, "cases[0].title: is 600 bytes long, over the limit of 500"},
		{"long claim", func(c map[string]any) { c["claim"] = strings.Repeat("C", 6000) }, "cases[0].claim: is 6000 bytes long"},
		{"1 MB media name", func(c map[string]any) { medium0(c)["name"] = strings.Repeat("n", 1<<20) }, "cases[0].media[0].name:"},
		{"long note", func(c map[string]any) { medium0(c)["note"] = strings.Repeat("n", 3000) }, "cases[0].media[0].note: is 3000 bytes long"},
		{"negative duration", func(c map[string]any) { fp0(c)["duration_s"] = -5 }, "cases[0].media[0].fingerprint.duration_s: -5 is outside"},
		{"width -1", func(c map[string]any) { fp0(c)["width"] = -1 }, "cases[0].media[0].fingerprint.width: -1 is outside"},
		{"height -1", func(c map[string]any) { fp0(c)["height"] = -1 }, "cases[0].media[0].fingerprint.height: -1 is outside"},
		{"fps 1e308", func(c map[string]any) { fp0(c)["fps"] = 1e308 }, "cases[0].media[0].fingerprint.fps: 1e+308 is outside"},
		{"100,000 tags", func(c map[string]any) { c["tags"] = many }, "cases[0].tags"},
		{"1,000 tags", func(c map[string]any) { c["tags"] = tags1000 }, "cases[0].tags: has 1000 elements, over the limit of 100"},
		{"long tag", func(c map[string]any) { c["tags"] = []any{strings.Repeat("x", 101)} }, "cases[0].tags[0]: is 101 bytes long"},
		{"long publisher", func(c map[string]any) {
			c["fact_checks"].([]any)[0].(map[string]any)["publisher"] = strings.Repeat("P", 201)
		}, "cases[0].fact_checks[0].publisher: is 201 bytes long"},
		{"many appearances", func(c map[string]any) {
			var apps []any
			for i := range 201 {
				apps = append(apps, map[string]any{"url": fmt.Sprintf("https://example.org/post/%d", i)})
			}
			c["appearances"] = apps
		}, "cases[0].appearances: has 201 elements, over the limit of 200"},
		{"long appearance URL", func(c map[string]any) {
			c["appearances"] = []any{map[string]any{"url": "https://example.org/" + strings.Repeat("u", 3000)}}
		}, "cases[0].appearances[0].url: is 3020 bytes long"},
		{"appearance without URL", func(c map[string]any) {
			c["appearances"] = []any{map[string]any{"first": true}}
		}, "cases[0].appearances[0].url: is required"},
		{"long posting time", func(c map[string]any) {
			c["media_appearances"] = []any{map[string]any{"content_url": "https://example.org/v.mp4", "start_time": strings.Repeat("0", 65)}}
		}, "cases[0].media_appearances[0].start_time: is 65 bytes long"},
		{"long claimant", func(c map[string]any) { c["claimant"] = strings.Repeat("c", 201) }, "cases[0].claimant: is 201 bytes long"},
		{"many fact-checks", func(c map[string]any) {
			fc := c["fact_checks"].([]any)[0]
			var fcs []any
			for range 51 {
				fcs = append(fcs, fc)
			}
			c["fact_checks"] = fcs
		}, "cases[0].fact_checks: has 51 elements"},
		{"huge frame", func(c map[string]any) {
			f := fp0(c)["frames"].([]any)[0].(map[string]any)
			f["views"] = []any{map[string]any{"name": strings.Repeat("v", 100<<10), "pdq": f["pdq"], "quality": 50}}
		}, "cases[0].media[0].fingerprint.frames[0]: the value is too large"},
		{"frame time not finite", func(c map[string]any) { fp0(c)["frames"].([]any)[1].(map[string]any)["t"] = 1e300 }, "cases[0].media[0].fingerprint.frames[1].t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadBundle(bytes.NewReader(bundleJSON(t, tt.mod)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
			if err != nil && len(err.Error()) > 2000 {
				t.Errorf("the error is %d bytes long", len(err.Error()))
			}
		})
	}
}

// padded streams head, then n bytes of fill, then tail, without holding
// them.
type padded struct {
	head, tail []byte
	fill       byte
	n          int64
}

func (p *padded) Read(b []byte) (int, error) {
	switch {
	case len(p.head) > 0:
		n := copy(b, p.head)
		p.head = p.head[n:]
		return n, nil
	case p.n > 0:
		k := min(int64(len(b)), p.n)
		for i := range b[:k] {
			b[i] = p.fill
		}
		p.n -= k
		return int(k), nil
	case len(p.tail) > 0:
		n := copy(b, p.tail)
		p.tail = p.tail[n:]
		return n, nil
	}
	return 0, io.EOF
}

// allocated reports the bytes allocated while fn ran.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestLargeBundlesAreStreamed: 100 MB of whitespace, or a 100 MB claim,
// cost a few megabytes to read (they took 346 MB and 700 MB of RSS when
// the bundle was read whole first).
func TestLargeBundlesAreStreamed(t *testing.T) {
	valid := bundleJSON(t, nil)
	i := bytes.Index(valid, []byte(`"cases"`))
	const size = 100 << 20
	tests := []struct {
		name    string
		r       io.Reader
		wantErr string
	}{
		{"whitespace between keys", &padded{head: append([]byte{}, valid[:i]...), fill: ' ', n: size, tail: valid[i:]}, ""},
		{"newlines inside a case", &padded{head: []byte(`{"format":"provcheck-registry","version":1,"cases":[{"id":"a",`), fill: '\n', n: size,
			tail: []byte(`"title":"x"}]}`)}, ""},
		{"only whitespace", &padded{fill: '\t', n: size}, "unexpected end"},
		{"100 MB claim", &padded{head: []byte(`{"format":"provcheck-registry","version":1,"cases":[{"id":"a","title":"x","claim":"`), fill: 'c', n: size,
			tail: []byte(`"}]}`)}, "cases[0].claim: the value is too large"},
		{"100 MB key", &padded{head: []byte(`{"`), fill: 'k', n: size, tail: []byte(`":1}`)}, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			start := time.Now()
			n := allocated(func() { _, err = ReadBundle(tt.r) })
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			t.Logf("%d MB allocated in %s", n>>20, time.Since(start).Round(time.Millisecond))
			if n > 32<<20 {
				t.Errorf("reading allocated %d MB", n>>20)
			}
		})
	}
}

// TestMergeManyTags: merging keeps each tag and medium once, whatever the
// letter case, in one pass (sets; it was quadratic).
func TestMergeManyTags(t *testing.T) {
	var a, b Case
	for i := range 50_000 {
		a.Tags = append(a.Tags, "tag-"+strings.Repeat("a", i%5)+string(rune('a'+i%26))+itoa(i))
		b.Tags = append(b.Tags, strings.ToUpper(a.Tags[i]))
	}
	b.Tags = append(b.Tags, "new")
	m := Merge(a, b)
	if len(m.Tags) != len(a.Tags)+1 || m.Tags[len(m.Tags)-1] != "new" {
		t.Errorf("%d tags after the merge", len(m.Tags))
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// Merging appearances keeps one entry per URL (per URL and start time for
// postings), in first-seen order, and marks an appearance first when either
// side says so.
func TestMergeAppearances(t *testing.T) {
	a := Case{ID: "c", Title: "t",
		Appearances:      []Appearance{{URL: "https://a.example/1"}, {URL: "https://a.example/2"}},
		MediaAppearances: []MediaAppearance{{ContentURL: "https://a.example/v.mp4", StartTime: "00:00:01", Type: "VideoObject"}},
	}
	b := Case{ID: "c", Title: "t",
		Appearances: []Appearance{{URL: "https://a.example/2", First: true}, {URL: "https://a.example/3"}},
		MediaAppearances: []MediaAppearance{
			{ContentURL: "https://a.example/v.mp4", StartTime: "00:00:01", Type: "MediaObject"},
			{ContentURL: "https://a.example/v.mp4", StartTime: "00:00:09"},
		},
	}
	m := Merge(a, b)
	wantApps := []Appearance{{URL: "https://a.example/1"}, {URL: "https://a.example/2", First: true}, {URL: "https://a.example/3"}}
	if !slices.Equal(m.Appearances, wantApps) {
		t.Errorf("appearances %+v, want %+v", m.Appearances, wantApps)
	}
	wantPosts := []MediaAppearance{
		{ContentURL: "https://a.example/v.mp4", StartTime: "00:00:01", Type: "MediaObject"},
		{ContentURL: "https://a.example/v.mp4", StartTime: "00:00:09"},
	}
	if !slices.Equal(m.MediaAppearances, wantPosts) {
		t.Errorf("postings %+v, want %+v", m.MediaAppearances, wantPosts)
	}
	if len(a.Appearances) != 2 || a.Appearances[1].First {
		t.Errorf("merge changed its input: %+v", a.Appearances)
	}
}
