package claimreview

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/provcheck/provcheck/registry"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func readFile(t *testing.T, name string) []Review {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, err := Read(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rs
}

func casesOf(t *testing.T, name string) []registry.Case {
	t.Helper()
	cases, err := ToCases(readFile(t, name), nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for i := range cases {
		if err := cases[i].Validate("", false); err != nil {
			t.Fatalf("%s: case %d: %v", name, i, err)
		}
	}
	return cases
}

// TestImportClaimReview: one ClaimReview object → a case with the claim,
// the rating as text and value, the publisher with its URL, the date, the
// claimant and the appearances; unknown properties kept.
func TestImportClaimReview(t *testing.T) {
	cases := casesOf(t, "claimreview.json")
	if len(cases) != 1 {
		t.Fatalf("%d cases", len(cases))
	}
	c := cases[0]
	want := registry.Case{
		ID: "video-shows-nypd-officers-arresting-ice-agents", Title: "Video shows NYPD officers arresting ICE agents",
		Claim: "Video shows NYPD officers arresting ICE agents", Rating: "False", FirstSeen: "2025-12-02",
		Claimant: "A viral account", ClaimantURL: "https://social.example.com/@viral",
		Appearances: []registry.Appearance{
			{URL: "https://social.example.com/@viral/post/0", First: true},
			{URL: "https://social.example.com/@viral/post/1"},
			{URL: "https://video.example.net/watch?v=abc"},
		},
		FactChecks: []registry.FactCheck{{
			Publisher: "Example Fact Check", PublisherURL: "https://factcheck.example.org/",
			URL:    "https://factcheck.example.org/2025/12/nypd-ice-video-is-ai.html",
			Title:  "Fact Check: Video of NYPD officers arresting ICE agents was made with Sora",
			Rating: "False", RatingValue: "1", BestRating: "5", WorstRating: "1", Date: "2025-12-05", Language: "en",
			Extra: map[string]json.RawMessage{"ClaimReview.reviewBody": json.RawMessage(`"The clip carries a Sora watermark and its badges are garbled."`)},
		}},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got  %+v\nwant %+v", c, want)
	}
}

// TestImportGraphWithMediaReview: an @graph with a ClaimReview and a
// MediaReview of the same article (the author by @id reference) → one case
// with the category, the original context and the media appearances, and
// one fact-check.
func TestImportGraphWithMediaReview(t *testing.T) {
	cases := casesOf(t, "graph.jsonld")
	if len(cases) != 1 {
		t.Fatalf("%d cases: %+v", len(cases), cases)
	}
	c := cases[0]
	if c.Claim != "Photo shows this week's flood at the city airport" || c.Rating != "Missing context" ||
		c.Category != registry.DecontextualizedContent || c.Claimant != "Social media users" ||
		c.OriginalContext != "The photo shows the 2018 flood at the same airport." {
		t.Errorf("case %+v", c)
	}
	if len(c.FactChecks) != 1 {
		t.Fatalf("fact-checks %+v", c.FactChecks)
	}
	fc := c.FactChecks[0]
	if fc.Publisher != "Checkers United" || fc.PublisherURL != "https://checkers.example.com/" || fc.RatingValue != "2" ||
		fc.BestRating != "7" || fc.Date != "2026-03-10" || string(fc.Extra["MediaReview.originalMediaLink"]) != `"https://news.example.com/2018/airport-flood"` {
		t.Errorf("fact-check %+v", fc)
	}
	wantMedia := []registry.MediaAppearance{
		{ContentURL: "https://cdn.example.com/img/flood.jpg", Type: "ImageObject", Category: registry.DecontextualizedContent},
		{ContentURL: "https://video.example.net/flood.mp4", Type: "VideoObject", StartTime: "00:00:04", EndTime: "00:00:09", Category: registry.DecontextualizedContent},
	}
	if !reflect.DeepEqual(c.MediaAppearances, wantMedia) {
		t.Errorf("media appearances %+v", c.MediaAppearances)
	}
}

// TestImportHTMLPage: a saved fact-check page with two JSON-LD blocks (an
// article, then a ClaimReview and a MediaReview), a commented-out block
// and other scripts.
func TestImportHTMLPage(t *testing.T) {
	rs := readFile(t, "page.html")
	if len(rs) != 2 || rs[0].Type != "ClaimReview" || rs[1].Type != "MediaReview" {
		t.Fatalf("reviews %+v", rs)
	}
	cases, err := ToCases(rs, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := cases[0]
	if len(cases) != 1 || c.Claim != "A humanoid robot dances in a factory" || c.Rating != "Fake" || c.Category != registry.TransformedContent ||
		len(c.FactChecks) != 1 || c.FactChecks[0].Publisher != "Verify Desk" || c.FactChecks[0].Date != "2026-01-20" ||
		len(c.Appearances) != 1 || len(c.MediaAppearances) != 1 || c.MediaAppearances[0].StartTime != "PT0S" {
		t.Errorf("cases %+v", cases)
	}
}

// TestMergeIntoExisting: a review of a claim already registered (same
// fact-check URL, or the same claim text) joins that case and keeps its
// title.
func TestMergeIntoExisting(t *testing.T) {
	existing := []registry.Case{
		{ID: "nypd-ice", Title: "AI video of NYPD arresting ICE agents", Claim: "video shows NYPD officers  arresting ICE agents"},
		{ID: "flood", Title: "Old flood photo", FactChecks: []registry.FactCheck{{Publisher: "X", URL: "https://checkers.example.com/flood-photo"}}},
	}
	for _, tt := range []struct{ file, id string }{{"claimreview.json", "nypd-ice"}, {"graph.jsonld", "flood"}} {
		cases, err := ToCases(readFile(t, tt.file), existing)
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) != 1 || cases[0].ID != tt.id || cases[0].Title != "" {
			t.Errorf("%s: %+v", tt.file, cases)
		}
	}
}

// TestInvalid: every problem names where it is.
func TestInvalid(t *testing.T) {
	for _, tt := range []struct{ file, want string }{
		{"syntax.json", "line 3:32: invalid JSON"},
		{"rating-text.json", "@graph[1].reviewRating[0].ratingValue: want text, got an object"},
		{"category.json", `mediaAuthenticityCategory: unknown category "DeepFake"`},
		{"graph-text.json", "@graph: want an array of nodes, got text"},
		{"no-claim.json", "[0].claimReviewed: a ClaimReview needs claimReviewed"},
		{"context.json", `@context: "https://example.com/vocab" is not the schema.org vocabulary`},
		{"bad-url.json", `url: "javascript:alert(1)" is not an http(s) URL`},
		{"date.json", `datePublished: "5 Dec 2025" is not an ISO 8601 date`},
	} {
		f, err := os.Open(filepath.Join("testdata", "bad", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		rs, err := Read(f)
		f.Close()
		if err == nil {
			_, err = ToCases(rs, nil)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.file, err, tt.want)
		}
	}
	if _, err := Read(strings.NewReader("<html><body>no data</body></html>")); err == nil || !strings.Contains(err.Error(), "ld+json") {
		t.Errorf("page without JSON-LD: %v", err)
	}
	if _, err := Read(strings.NewReader(`{"@context":"https://schema.org","@type":"NewsArticle"}`)); err == nil ||
		!strings.Contains(err.Error(), "no ClaimReview or MediaReview") {
		t.Errorf("no review: %v", err)
	}
}

// TestExportGoldenAndRoundTrip: the cases of all three examples, written
// as JSON-LD (golden file), read back into the same cases.
func TestExportGoldenAndRoundTrip(t *testing.T) {
	var cases []registry.Case
	for _, f := range []string{"claimreview.json", "graph.jsonld", "page.html"} {
		cases = append(cases, casesOf(t, f)...)
	}
	var buf bytes.Buffer
	if err := Write(&buf, cases); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "export.golden.jsonld")
	if *update {
		os.WriteFile(golden, buf.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("export differs from %s (go test -update to accept):\n%s", golden, buf.String())
	}
	rs, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	back, err := ToCases(rs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, cases) {
		for i := range max(len(back), len(cases)) {
			if i >= len(back) || i >= len(cases) || !reflect.DeepEqual(back[i], cases[i]) {
				t.Errorf("case %d differs after the round trip:\nbefore %+v\nafter  %+v", i, at(cases, i), at(back, i))
			}
		}
	}
}

func at(cs []registry.Case, i int) any {
	if i < len(cs) {
		return cs[i]
	}
	return nil
}

// vocabulary is testdata/schemaorg-vocabulary.txt.
type vocabulary struct {
	parent map[string]string
	props  map[string][]string
	enums  map[string][]string
}

func loadVocabulary(t *testing.T) vocabulary {
	f, err := os.Open(filepath.Join("testdata", "schemaorg-vocabulary.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v := vocabulary{parent: map[string]string{}, props: map[string][]string{}, enums: map[string][]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		head, list, _ := strings.Cut(line, ":")
		if name, ok := strings.CutPrefix(head, "enum "); ok {
			v.enums[name] = strings.Fields(list)
			continue
		}
		typ, parent, _ := strings.Cut(head, "<")
		typ = strings.TrimSpace(typ)
		v.parent[typ] = strings.TrimSpace(parent)
		v.props[typ] = strings.Fields(list)
	}
	return v
}

func (v vocabulary) allows(typ, prop string) bool {
	for t := typ; t != ""; t = v.parent[t] {
		if slices.Contains(v.props[t], prop) {
			return true
		}
	}
	return false
}

// check walks a JSON-LD value and reports every type, property or
// enumeration value not in the vocabulary.
func (v vocabulary) check(t *testing.T, where string, x any, path string, strict bool) {
	switch x := x.(type) {
	case []any:
		for i, e := range x {
			v.check(t, where, e, fmt.Sprintf("%s[%d]", path, i), strict)
		}
	case map[string]any:
		typ, _ := x["@type"].(string)
		if _, ok := x["@graph"]; ok && typ == "" {
			v.check(t, where, x["@graph"], path+"@graph", strict)
			return
		}
		if _, ref := x["@id"]; ref && len(x) == 1 {
			return // a reference to a node described elsewhere
		}
		if _, known := v.parent[typ]; !known {
			t.Errorf("%s: %s: @type %q is not in the vocabulary", where, path, typ)
			return
		}
		for k, val := range x {
			if strings.HasPrefix(k, "@") {
				continue
			}
			if !v.allows(typ, k) {
				t.Errorf("%s: %s: %s has no property %q", where, path, typ, k)
			}
			if members, ok := v.enums[k]; ok {
				s, _ := val.(string)
				m, full := strings.CutPrefix(s, "https://schema.org/")
				if strict && !full || !slices.Contains(members, m) {
					t.Errorf("%s: %s.%s: %q is not a schema.org enumeration member URL", where, path, k, s)
				}
			}
			v.check(t, where, val, path+"."+k, strict)
		}
	}
}

// TestVocabulary: the export and the examples use only schema.org types
// and properties (as listed by hand from the schema.org documentation),
// and the export writes MediaReview categories as full schema.org URLs.
func TestVocabulary(t *testing.T) {
	voc := loadVocabulary(t)
	var cases []registry.Case
	for _, f := range []string{"claimreview.json", "graph.jsonld", "page.html"} {
		cases = append(cases, casesOf(t, f)...)
	}
	doc := Document(cases)
	b, _ := json.Marshal(doc)
	var parsed map[string]any
	json.Unmarshal(b, &parsed)
	if parsed["@context"] != "https://schema.org" {
		t.Errorf("@context %v", parsed["@context"])
	}
	voc.check(t, "export", parsed["@graph"], "", true)
	for _, f := range []string{"claimreview.json", "graph.jsonld"} {
		data, _ := os.ReadFile(filepath.Join("testdata", f))
		var x any
		json.Unmarshal(data, &x)
		voc.check(t, f, x, "", false)
	}
	for _, blk := range scriptBlocks(mustRead(t, "page.html")) {
		var x any
		if err := json.Unmarshal(blk.data, &x); err != nil {
			t.Fatal(err)
		}
		voc.check(t, "page.html", x, "", false)
	}
}

func mustRead(t *testing.T, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wholeDocument is Document(cases) indented at once, as Write wrote it
// before it was streamed.
func wholeDocument(t *testing.T, cases []registry.Case) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Document(cases)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWriteIsTheWholeDocument: Write, which writes a case at a time,
// writes the bytes of the whole document indented at once.
func TestWriteIsTheWholeDocument(t *testing.T) {
	var examples []registry.Case
	for _, f := range []string{"claimreview.json", "graph.jsonld", "page.html"} {
		examples = append(examples, casesOf(t, f)...)
	}
	tricky := registry.Case{ID: "tricky", Title: "“Flood” <b>&amp;</b> 日本 \u2028 é", Claim: "<script>alert(1)</script>",
		Category: registry.DecontextualizedContent, OriginalContext: "It is <i>older</i> & elsewhere",
		MediaAppearances: []registry.MediaAppearance{{ContentURL: "https://example.com/v?a=1&b=2", Category: registry.EditedOrCroppedContent}},
		FactChecks: []registry.FactCheck{{Publisher: "A & B", URL: "https://example.org/<fc>", Extra: map[string]json.RawMessage{
			"ClaimReview.reviewBody": json.RawMessage(`"<p>body &amp; more</p>"`)}}, {Publisher: "Second"}}}
	for _, tt := range []struct {
		name  string
		cases []registry.Case
	}{
		{"no cases", nil},
		{"a case without fact-checks", []registry.Case{{ID: "bare", Title: "Bare"}}},
		{"unicode and HTML", []registry.Case{tricky}},
		{"the examples", examples},
		{"the examples and more", append(slices.Clone(examples), tricky, registry.Case{ID: "bare", Title: "Bare"})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got bytes.Buffer
			if err := Write(&got, tt.cases); err != nil {
				t.Fatal(err)
			}
			if want := wholeDocument(t, tt.cases); !bytes.Equal(got.Bytes(), want) {
				t.Errorf("written\n%s\nwant\n%s", got.Bytes(), want)
			}
		})
	}
}

// TestWriteEachStops: an error of the cases' source is WriteEach's, and
// the document is not finished.
func TestWriteEachStops(t *testing.T) {
	stop := fmt.Errorf("store gone")
	var buf bytes.Buffer
	err := WriteEach(&buf, func(fn func(registry.Case) error) error {
		if err := fn(registry.Case{ID: "one", Title: "One"}); err != nil {
			return err
		}
		return stop
	})
	if err != stop || json.Valid(buf.Bytes()) {
		t.Errorf("error %v, wrote %q", err, buf.Bytes())
	}
}
