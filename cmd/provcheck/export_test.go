package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/claimreview"
	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/hashlist"
	mediakind "github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/pgtest"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/thumb"
	"github.com/provcheck/provcheck/internal/vpdq"
	"github.com/provcheck/provcheck/registry"
)

// exportFormats are the formats of registry export, each with the output
// it had when every case was read into memory first (Store.All) and
// written whole: the reference the streamed export (Store.Each) must
// equal byte for byte. The vPDQ directory is its files in name order.
var exportFormats = []struct {
	format string
	whole  func(t *testing.T, st registry.Store) []byte
}{
	{"bundle", func(t *testing.T, st registry.Store) []byte {
		ctx := context.Background()
		cases := allCases(t, st)
		if err := st.(registry.Thumbnails).FillThumbnails(ctx, cases); err != nil {
			t.Fatal(err)
		}
		b := registry.NewBundle(cases, exportTime)
		var err error
		if b.StopFrames, err = st.StopFrames(ctx); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := b.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}},
	{"claimreview", func(t *testing.T, st registry.Store) []byte {
		// claimreview.Write before it was streamed: the whole document,
		// indented at once.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(claimreview.Document(allCases(t, st))); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}},
	{"hma-json", func(t *testing.T, st registry.Store) []byte {
		// hashlist.WriteHMAJSON before it was streamed.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(hashlist.HMAExport(allCases(t, st))); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}},
	{"vpdq", func(t *testing.T, st registry.Store) []byte {
		files := map[string][]byte{}
		for _, c := range allCases(t, st) {
			for _, m := range c.Media {
				if m.Fingerprint.Kind != mediakind.KindVideo || len(m.Fingerprint.Frames) == 0 {
					continue
				}
				var buf bytes.Buffer
				if err := vpdq.Write(&buf, vpdq.FromFingerprint(&m.Fingerprint)); err != nil {
					t.Fatal(err)
				}
				files[c.ID+"-"+m.SHA256[:12]+".txt"] = buf.Bytes()
			}
		}
		return dirListing(files)
	}},
}

// exportTime stands for the time of a bundle's export, which the
// reference and the command cannot share.
var exportTime = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

var exportedAt = regexp.MustCompile(`"exported_at": "[^"]*"`)

func allCases(t *testing.T, st registry.Store) []registry.Case {
	t.Helper()
	cases, err := st.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// dirListing is files in name order, each after its name.
func dirListing(files map[string][]byte) []byte {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	var buf bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&buf, "== %s\n", n)
		buf.Write(files[n])
	}
	return buf.Bytes()
}

// exportCase is the i-th of n synthetic cases: a 6-frame video with
// views, every third one a still too (its first), every seventh one no
// media at all; fact-checks none, one or two, with kept properties;
// categories of the case and of media appearances (several MediaReview
// nodes); unicode and HTML-like text.
func exportCase(t *testing.T, r *rand.Rand, id string, i int) registry.Case {
	hash := func() pdq.Hash { return pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()} }
	medium := func(name string, frames int) registry.Media {
		sum := sha256.Sum256([]byte(id + "/" + name))
		fp := fingerprint.Fingerprint{Kind: mediakind.KindVideo, Format: "mp4", Codec: "h264", Width: 640, Height: 360, Duration: float64(frames) / 5, FPS: 25}
		if frames == 1 {
			fp = fingerprint.Fingerprint{Kind: mediakind.KindImage, Format: "jpeg", Width: 800, Height: 600}
		}
		for f := range frames {
			fr := fingerprint.Frame{T: float64(f) / 5, PDQ: hash(), Quality: 70 + f}
			if f%2 == 0 {
				fr.Views = []fingerprint.View{{Name: "zoom90", PDQ: hash(), Quality: 60}}
			}
			fp.Frames = append(fp.Frames, fr)
		}
		return registry.Media{SHA256: hex.EncodeToString(sum[:]), Name: name + " «é»", Note: "from <a tip> & more", Fingerprint: fp}
	}
	c := registry.Case{ID: id, Title: fmt.Sprintf("Flood “photo” %d <b>&amp;</b> 日本 \u2028", i),
		Claim: "It shows <script>alert(1)</script> & “this”", Rating: "False", Tags: []string{"ai-generated"}, FirstSeen: "2025-12"}
	switch i % 7 {
	case 0:
	case 3:
		c.Media = []registry.Media{medium("still.jpg", 1), medium("clip.mp4", 6)}
	default:
		c.Media = []registry.Media{medium("clip.mp4", 6)}
		if i%3 == 0 {
			c.Media = append([]registry.Media{medium("still.jpg", 1)}, c.Media...)
		}
	}
	if i%5 == 1 && len(c.Media) > 0 {
		jpeg, err := thumb.JPEG(image.NewRGBA(image.Rect(0, 0, 160, 90)))
		if err != nil {
			t.Fatal(err)
		}
		c.Media[0].Thumbnails = []registry.Thumbnail{{Frame: 0, JPEG: jpeg}}
	}
	if i%2 == 0 {
		c.Category = registry.TransformedContent
	}
	if i%4 == 1 {
		c.MediaAppearances = []registry.MediaAppearance{
			{ContentURL: "https://social.example.com/p/" + id, Type: "VideoObject", Category: registry.DecontextualizedContent},
			{ContentURL: "https://other.example.com/v/" + id, Category: registry.EditedOrCroppedContent},
		}
	}
	for k := range i % 3 {
		c.FactChecks = append(c.FactChecks, registry.FactCheck{Publisher: fmt.Sprintf("Checkers %d — «vérifié»", k),
			URL: fmt.Sprintf("https://checkers.example.com/%s/%d?a=1&b=<2>", id, k), Title: "Not <i>what</i> it seems", Rating: "False",
			Date: "2025-12-05", Language: "fr",
			Extra: map[string]json.RawMessage{"ClaimReview.reviewBody": json.RawMessage(`"<p>Body &amp; “more”</p>"`)}})
	}
	return c
}

// exportRegistries are the registries the export is compared on, each
// as the cases imported, in that order.
var exportRegistries = []struct {
	name  string
	cases func(t *testing.T) []registry.Case
}{
	{"empty", func(t *testing.T) []registry.Case { return nil }},
	{"one case without media", func(t *testing.T) []registry.Case {
		return []registry.Case{exportCase(t, rand.New(rand.NewPCG(1, 1)), "bare", 0)}
	}},
	{"one case with one video", func(t *testing.T) []registry.Case {
		return []registry.Case{exportCase(t, rand.New(rand.NewPCG(4, 4)), "clip", 1)}
	}},
	{"a few cases, ids of every character", func(t *testing.T) []registry.Case {
		r := rand.New(rand.NewPCG(2, 2))
		var out []registry.Case
		for i, id := range []string{"b", "a_b", "a.b", "0z", "a-b", "ab", "a"} {
			out = append(out, exportCase(t, r, id, i+1))
		}
		return out
	}},
	{"several pages not in id order", func(t *testing.T) []registry.Case {
		// More cases than Store.Each reads at a time (64), imported in
		// an order that is not the id order.
		r := rand.New(rand.NewPCG(3, 3))
		const n = 2*64 + 7
		var out []registry.Case
		for i := range n {
			out = append(out, exportCase(t, r, fmt.Sprintf("case-%03d", (i*37)%n), i))
		}
		return out
	}},
}

// TestExportIsTheWholeExport: registry export, every format streamed from
// the store, writes the same bytes as the whole export from Store.All
// did, on SQLite and PostgreSQL.
func TestExportIsTheWholeExport(t *testing.T) {
	backends := []struct {
		name     string
		location func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "reg.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.DSN(t) }},
	}
	ctx := context.Background()
	for _, b := range backends {
		for _, reg := range exportRegistries {
			t.Run(b.name+"/"+reg.name, func(t *testing.T) {
				dir := isolate(t)
				loc := b.location(t)
				st, err := registry.Open(ctx, loc)
				if err != nil {
					t.Fatal(err)
				}
				if cases := reg.cases(t); len(cases) > 0 {
					if err := st.Import(ctx, cases); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := st.AddStopFrames(ctx, []registry.StopFrame{{Source: "intro <card>.mp4", PDQ: pdq.Hash{1, 2, 3, 4}}}); err != nil {
					t.Fatal(err)
				}
				want := map[string][]byte{}
				for _, f := range exportFormats {
					want[f.format] = f.whole(t, st)
				}
				if err := st.Close(); err != nil {
					t.Fatal(err)
				}
				for _, f := range exportFormats {
					out := filepath.Join(dir, "export-"+f.format)
					code, stdout, stderr := cli(t, nil, "--registry", loc, "registry", "export", "--format", f.format, out)
					if code != 0 {
						t.Fatalf("export --format %s: exit %d %s", f.format, code, stderr)
					}
					// A bundle's export time is the command's.
					normal := func(b []byte) []byte {
						if f.format != "bundle" {
							return b
						}
						return exportedAt.ReplaceAll(b, fmt.Appendf(nil, `"exported_at": %q`, exportTime.Format(time.RFC3339)))
					}
					var got []byte
					if f.format == "vpdq" {
						got = readDir(t, out)
						if n := bytes.Count(append([]byte("\n"), want[f.format]...), []byte("\n== ")); stdout != fmt.Sprintf("wrote %d vPDQ file(s) to %s\n", n, out) {
							t.Errorf("export --format vpdq said %q, want %d files", stdout, n)
						}
					} else {
						if got, err = os.ReadFile(out); err != nil {
							t.Fatal(err)
						}
						got = normal(got)
						// The same bytes to standard output.
						if code, stdout, stderr = cli(t, nil, "--registry", loc, "registry", "export", "--format", f.format); code != 0 || string(normal([]byte(stdout))) != string(got) {
							t.Errorf("export --format %s to stdout: exit %d %s, %d bytes, the file %d", f.format, code, stderr, len(stdout), len(got))
						}
					}
					if !bytes.Equal(got, want[f.format]) {
						t.Errorf("export --format %s differs from the whole export %s", f.format, firstDifference(got, want[f.format]))
					}
				}
			})
		}
	}
}

func readDir(t *testing.T, dir string) []byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return dirListing(files)
}

// firstDifference shows where got first differs from want.
func firstDifference(got, want []byte) string {
	i := 0
	for i < min(len(got), len(want)) && got[i] == want[i] {
		i++
	}
	return fmt.Sprintf("at byte %d of %d (%d written):\n%q\nwant\n%q", i, len(want), len(got),
		got[max(0, i-80):min(len(got), i+80)], want[max(0, i-80):min(len(want), i+80)])
}
