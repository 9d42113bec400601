package index

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/registry"
)

// hitKey names a hit by case id, so hits of snapshots with different case
// positions compare.
type hitKey struct {
	id        string
	media, fr int32
	dist      int
}

func hitKeys(s *Snapshot, hits []Hit) []hitKey {
	out := make([]hitKey, 0, len(hits))
	for _, h := range hits {
		id := "(not read)"
		if c := s.Case(h.Case); c != nil {
			id = c.ID
		}
		out = append(out, hitKey{id, h.Media, h.Frame, h.Distance})
	}
	slices.SortFunc(out, func(a, b hitKey) int {
		if a.id != b.id {
			if a.id < b.id {
				return -1
			}
			return 1
		}
		if a.media != b.media {
			return int(a.media - b.media)
		}
		if a.fr != b.fr {
			return int(a.fr - b.fr)
		}
		return a.dist - b.dist
	})
	return out
}

// TestApplyEqualsRebuild applies random streams of upserts and removals to
// a snapshot and checks, after every step, that searches find exactly what
// a snapshot built whole from the same cases finds — through the delta
// layers and through compactions.
func TestApplyEqualsRebuild(t *testing.T) {
	for _, small := range []bool{false, true} {
		t.Run(fmt.Sprintf("compact-often=%v", small), func(t *testing.T) {
			if small {
				oldE, oldS, oldD := deltaMaxEntries, deltaMaxShare, deadMaxShare
				deltaMaxEntries, deltaMaxShare, deadMaxShare = 40, 0.05, 0.05
				t.Cleanup(func() { deltaMaxEntries, deltaMaxShare, deadMaxShare = oldE, oldS, oldD })
			}
			r := rand.New(rand.NewPCG(41, 42))
			o := Options{MinQuality: 75}
			live := map[string]registry.Case{}
			var cases []registry.Case
			for i := range 20 {
				c := testCase(r, fmt.Sprintf("c%02d", i))
				live[c.ID] = c
				cases = append(cases, c)
			}
			snap := BuildSnapshot(cases, o)
			var probes []pdq.Hash
			for _, c := range cases {
				probes = append(probes, c.Media[0].Fingerprint.Frames[0].PDQ)
			}
			for step := range 60 {
				var ch registry.Changes
				ch.Generation = int64(step + 1)
				for range 1 + r.IntN(3) {
					id := fmt.Sprintf("c%02d", r.IntN(30))
					switch r.IntN(3) {
					case 0:
						if _, ok := live[id]; ok {
							delete(live, id)
							ch.Upserted = slices.DeleteFunc(ch.Upserted, func(u registry.Case) bool { return u.ID == id })
							ch.Removed = append(ch.Removed, id)
						}
					default:
						c := testCase(r, id)
						if old, ok := live[id]; ok {
							c = old
							c.Media = append(slices.Clone(c.Media), testMedia(r, fmt.Sprintf("%s-%d.mp4", id, step), 1+r.IntN(6)))
						}
						c.Title = fmt.Sprintf("step %d", step)
						live[id] = c
						ch.Upserted = slices.DeleteFunc(ch.Upserted, func(u registry.Case) bool { return u.ID == id })
						ch.Removed = slices.DeleteFunc(ch.Removed, func(s string) bool { return s == id })
						ch.Upserted = append(ch.Upserted, c)
						probes = append(probes, c.Media[len(c.Media)-1].Fingerprint.Frames[0].PDQ)
					}
				}
				next := snap.Apply(ch)
				if next == nil {
					t.Fatal("Apply asked for a full reload without a reason")
				}
				if next.Generation != ch.Generation {
					t.Fatalf("generation %d, want %d", next.Generation, ch.Generation)
				}
				var all []registry.Case
				for _, c := range live {
					all = append(all, c)
				}
				slices.SortFunc(all, func(a, b registry.Case) int {
					if a.ID < b.ID {
						return -1
					}
					return 1
				})
				want := BuildSnapshot(all, o)
				if next.CaseCount() != len(all) || next.Index.Len() != want.Index.Len() {
					t.Fatalf("step %d: %d cases %d hashes, want %d and %d", step, next.CaseCount(), next.Index.Len(), len(all), want.Index.Len())
				}
				for _, q := range probes {
					for _, d := range []int{0, 31, 120} {
						got, exp := hitKeys(next, next.Index.Search(q, d, nil)), hitKeys(want, want.Index.Search(q, d, nil))
						if !slices.Equal(got, exp) {
							t.Fatalf("step %d, distance %d: %d hits, want %d", step, d, len(got), len(exp))
						}
						var many []Hit
						next.Index.SearchMany([]pdq.Hash{q}, d, func(_ int, h Hit) { many = append(many, h) })
						if !slices.Equal(hitKeys(next, many), exp) {
							t.Fatalf("step %d, distance %d: SearchMany differs from Search", step, d)
						}
					}
				}
				// The old snapshot is untouched by the new one.
				if snap.Generation != int64(step) && step > 0 {
					t.Fatalf("old snapshot changed generation")
				}
				snap = next
			}
		})
	}
}

// TestApplyStopFrames rebuilds the index when the stop-list changes.
func TestApplyStopFrames(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	c := testCase(r, "card")
	snap := BuildSnapshot([]registry.Case{c}, Options{StopDistance: 31})
	card := c.Media[0].Fingerprint.Frames[0].PDQ
	if len(snap.Index.Search(card, 0, nil)) != 1 {
		t.Fatal("frame not indexed")
	}
	next := snap.Apply(registry.Changes{Generation: 2, StopFrames: []registry.StopFrame{{Source: "x", PDQ: card}}})
	if len(next.Index.Search(card, 0, nil)) != 0 || next.Stopped != 1 {
		t.Errorf("a frame on the new stop-list is still indexed (stopped %d)", next.Stopped)
	}
	if snap.Apply(registry.Changes{Full: true}) != nil {
		t.Error("a full change must ask for a reload")
	}
}

// testMedia is a clip of n random frames (an image when n is 1).
func testMedia(r *rand.Rand, name string, n int) registry.Media {
	fp := fingerprint.Fingerprint{Kind: media.KindVideo, Format: "mp4", Width: 640, Height: 360, Duration: float64(n) / 5, FPS: 25}
	if n == 1 {
		fp = fingerprint.Fingerprint{Kind: media.KindImage, Format: "jpeg", Width: 800, Height: 600}
	}
	for i := range n {
		f := fingerprint.Frame{T: float64(i) / 5, PDQ: randHash(r), Quality: 80 + i%20}
		if i%2 == 0 {
			f.Views = []fingerprint.View{{Name: "zoom90", PDQ: randHash(r), Quality: 70}}
		}
		fp.Frames = append(fp.Frames, f)
	}
	return registry.Media{SHA256: fmt.Sprintf("%064x", r.Uint64()), Name: name, Fingerprint: fp}
}

// TestApplyTwiceToOneSnapshot: two changes applied to the same snapshot
// give two independent successors, and the snapshot itself is unchanged.
func TestApplyTwiceToOneSnapshot(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	a, b := testCase(r, "a"), testCase(r, "b")
	snap := BuildSnapshot([]registry.Case{a}, Options{})
	x, y := testCase(r, "x"), testCase(r, "y")
	one := snap.Apply(registry.Changes{Generation: 2, Upserted: []registry.Case{x}})
	two := snap.Apply(registry.Changes{Generation: 2, Upserted: []registry.Case{y, b}, Removed: []string{"a"}})
	probe := func(s *Snapshot, c registry.Case) int {
		return len(s.Index.Search(c.Media[0].Fingerprint.Frames[0].PDQ, 0, nil))
	}
	for _, tt := range []struct {
		name       string
		s          *Snapshot
		a, x, y, b int
	}{
		{"the snapshot", snap, 1, 0, 0, 0},
		{"the first successor", one, 1, 1, 0, 0},
		{"the second successor", two, 0, 0, 1, 1},
	} {
		if got := [4]int{probe(tt.s, a), probe(tt.s, x), probe(tt.s, y), probe(tt.s, b)}; got != [4]int{tt.a, tt.x, tt.y, tt.b} {
			t.Errorf("%s finds a, x, y, b %v times, want %v", tt.name, got, [4]int{tt.a, tt.x, tt.y, tt.b})
		}
		for _, h := range tt.s.Index.Search(x.Media[0].Fingerprint.Frames[0].PDQ, 0, nil) {
			if tt.s.Cases[h.Case].ID != "x" {
				t.Errorf("%s: a hit of x names case %q", tt.name, tt.s.Cases[h.Case].ID)
			}
		}
	}
}
