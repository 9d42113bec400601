package index

import (
	"fmt"
	"testing"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
)

func localCase(id string, seed uint64) (registry.Case, *orb.Features) {
	img := testmedia.Picture(seed, 480, 270)
	f := orb.Detect(orb.GrayFrom(img, 640), orb.DefaultOptions())
	fp := fingerprint.Fingerprint{Kind: media.KindImage, Width: 480, Height: 270,
		Frames: []fingerprint.Frame{{Quality: 90, Local: orb.Encode(f, orb.DefaultOptions().ScaleFactor)}}}
	return registry.Case{ID: id, Media: []registry.Media{{SHA256: fmt.Sprint(seed), Fingerprint: fp}}}, f
}

// TestLocalThroughApply: the local index follows the snapshot through
// applied changes — added cases are found, removed and replaced ones are
// not, and the snapshot applied to is left as it was.
func TestLocalThroughApply(t *testing.T) {
	a, fa := localCase("a", 1)
	b, fb := localCase("b", 2)
	c, fc := localCase("c", 3)
	snap := BuildSnapshot([]registry.Case{a, b}, Options{MinQuality: 50})
	found := func(s *Snapshot, f *orb.Features) string {
		hits := s.Local.Query(f, false)
		if len(hits) == 0 {
			return ""
		}
		return s.Cases[RefOfLocal(hits[0].Ref).Case].ID
	}
	if got := found(snap, fa); got != "a" {
		t.Fatalf("a's features find %q", got)
	}
	next := snap.Apply(registry.Changes{Generation: 2, Upserted: []registry.Case{c}, Removed: []string{"a"}})
	if next == nil {
		t.Fatal("Apply rebuilt")
	}
	for _, tc := range []struct {
		s    *Snapshot
		f    *orb.Features
		want string
	}{{next, fc, "c"}, {next, fb, "b"}, {next, fa, ""}, {snap, fa, "a"}, {snap, fc, ""}} {
		if got := found(tc.s, tc.f); got != tc.want {
			t.Errorf("found %q, want %q", got, tc.want)
		}
	}
	// A stop-list change rebuilds; the stop-list's features are left out.
	stop := registry.StopFrame{Source: "b", PDQ: b.Media[0].Fingerprint.Frames[0].PDQ, Local: b.Media[0].Fingerprint.Frames[0].Local}
	again := next.Apply(registry.Changes{Generation: 3, StopFrames: []registry.StopFrame{stop}})
	if got := found(again, fb); got != "" {
		t.Errorf("a stopped picture is found as %q", got)
	}
	if got := found(again, fc); got != "c" {
		t.Errorf("c found as %q after the stop-list changed", got)
	}
}
