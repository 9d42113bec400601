package samples

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

var update = flag.Bool("update", false, "rewrite bundle.json from case.json and the media")

// caseFile is case.json: the case metadata with media file names.
type caseFile struct {
	registry.Case
	Media []struct {
		File string `json:"file"`
		Note string `json:"note"`
	} `json:"media"`
}

// fingerprintCase builds the sample case the way `provcheck registry add`
// would: each medium fingerprinted with the default configuration.
func fingerprintCase(t *testing.T) registry.Case {
	t.Helper()
	data, err := os.ReadFile("case.json")
	if err != nil {
		t.Fatal(err)
	}
	var cf caseFile
	if err := json.Unmarshal(data, &cf); err != nil {
		t.Fatal(err)
	}
	cfg, err := rules.Defaults().Translate()
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(context.Background(), cfg, engine.Options{NoRegistry: true})
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Case
	c.Media = nil
	for _, m := range cf.Media {
		med, err := e.MediaFromFile(context.Background(), filepath.FromSlash(m.File), m.Note)
		if err != nil {
			t.Fatalf("%s: %v", m.File, err)
		}
		c.Media = append(c.Media, med)
	}
	return c
}

// TestBundleIsCurrent proves the embedded bundle is what provcheck makes of
// the committed media today: same digests, and frame hashes within a few
// bits (ffmpeg builds may round a pixel differently).
func TestBundleIsCurrent(t *testing.T) {
	fresh := fingerprintCase(t)
	if *update {
		var buf bytes.Buffer
		b := registry.NewBundle([]registry.Case{fresh}, time.Date(2025, 12, 15, 0, 0, 0, 0, time.UTC))
		if err := b.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("bundle.json", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		bundleJSON = buf.Bytes()
	}
	cases, err := Cases()
	if err != nil {
		t.Fatalf("embedded bundle: %v", err)
	}
	if len(cases) != 1 {
		t.Fatalf("%d cases", len(cases))
	}
	got := cases[0]
	if got.ID != fresh.ID || got.Title != fresh.Title || len(got.FactChecks) != 2 || got.FactChecks[0].Publisher != "Lead Stories" {
		t.Errorf("metadata differs from case.json: %+v", got)
	}
	if len(got.Media) != len(fresh.Media) {
		t.Fatalf("media: %d, want %d", len(got.Media), len(fresh.Media))
	}
	for i := range got.Media {
		g, f := got.Media[i], fresh.Media[i]
		if g.SHA256 != f.SHA256 {
			t.Errorf("%s: digest differs: media changed without `go test ./samples -update`", f.Name)
		}
		if len(g.Thumbnails) != len(g.Fingerprint.Frames) {
			t.Errorf("%s: %d thumbnails for %d frames: run `go test ./samples -update`", f.Name, len(g.Thumbnails), len(g.Fingerprint.Frames))
		}
		if len(g.Fingerprint.Frames) != len(f.Fingerprint.Frames) {
			t.Fatalf("%s: %d frames, fresh %d", f.Name, len(g.Fingerprint.Frames), len(f.Fingerprint.Frames))
		}
		total := 0
		for j := range g.Fingerprint.Frames {
			total += pdq.Distance(g.Fingerprint.Frames[j].PDQ, f.Fingerprint.Frames[j].PDQ)
		}
		if mean := float64(total) / float64(len(g.Fingerprint.Frames)); mean > 4 {
			t.Errorf("%s: frames differ by %.1f bits on average: run `go test ./samples -update`", f.Name, mean)
		}
	}
}
