package localindex

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/testmedia"
)

func features(img image.Image) *orb.Features {
	return orb.Detect(orb.GrayFrom(img, 640), orb.DefaultOptions())
}

func TestQueryFindsTheRightFrame(t *testing.T) {
	ix := New(DefaultOptions())
	var pics []image.Image
	for i := 0; i < 40; i++ {
		p := testmedia.Picture(uint64(100+i), 480, 270)
		pics = append(pics, p)
		if n := ix.Add(int64(1000+i), features(p)); n < 200 {
			t.Fatalf("picture %d: %d features indexed", i, n)
		}
	}
	for _, tc := range []struct {
		name     string
		pic      int
		img      image.Image
		mirrored bool
	}{
		{"corner crop", 3, imaging.Crop(pics[3], image.Rect(0, 0, 340, 190)), false},
		{"right half", 7, imaging.Crop(pics[7], image.Rect(240, 0, 480, 270)), false},
		{"mirrored", 11, imaging.FlipH(pics[11]), true},
		{"mirrored crop", 12, imaging.Crop(imaging.FlipH(pics[12]), image.Rect(100, 30, 480, 270)), true},
		{"rotated", 20, imaging.Rotate(pics[20], 7, color.Black), false},
		{"upscaled", 30, imaging.Resize(pics[30], 960, 540, imaging.Linear), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits := ix.Query(features(tc.img), true)
			if len(hits) == 0 {
				t.Fatal("no hit")
			}
			h := hits[0]
			if h.Ref != int64(1000+tc.pic) || h.Mirrored != tc.mirrored {
				t.Fatalf("best hit %d (mirrored %v), want %d (mirrored %v)", h.Ref, h.Mirrored, 1000+tc.pic, tc.mirrored)
			}
			for _, o := range hits[1:] {
				t.Errorf("also hit %d with %d inliers", o.Ref, o.Match.Inliers)
			}
		})
	}
	t.Run("unrelated", func(t *testing.T) {
		for s := uint64(500); s < 520; s++ {
			if hits := ix.Query(features(testmedia.Picture(s, 480, 270)), true); len(hits) > 0 {
				t.Errorf("picture %d hit %d with %d inliers", s, hits[0].Ref, hits[0].Match.Inliers)
			}
		}
	})
	t.Run("removed", func(t *testing.T) {
		ix.Remove(1003)
		for _, h := range ix.Query(features(pics[3]), true) {
			if h.Ref == 1003 {
				t.Fatal("removed frame still found")
			}
		}
		if s := ix.Stats(); s.Frames != 39 || s.Descriptors == 0 || s.Bytes == 0 {
			t.Fatalf("stats %+v", s)
		}
	})
}

func TestStopListRemovesSharedFurniture(t *testing.T) {
	// Unrelated pictures under the same app bar: with the bar on the
	// stop-list its features are not indexed.
	bar := testmedia.Picture(7, 480, 60)
	withBar := func(seed uint64) image.Image {
		return imaging.Paste(testmedia.Picture(seed, 480, 270), bar, image.Pt(0, 0))
	}
	plain, stopped := New(DefaultOptions()), New(DefaultOptions())
	stopped.SetStopList([]*orb.Features{features(bar)})
	a := features(withBar(1))
	np, ns := plain.Add(1, a), stopped.Add(1, a)
	if ns >= np || np-ns < 20 {
		t.Fatalf("%d features indexed with the stop-list, %d without", ns, np)
	}
	barFeats := 0
	for _, k := range a.Keypoints {
		if k.Y < 60 {
			barFeats++
		}
	}
	if np-ns < barFeats/2 {
		t.Errorf("stop-list removed %d features; %d lie on the bar", np-ns, barFeats)
	}
}

func TestStopWordsAreSkipped(t *testing.T) {
	o := DefaultOptions()
	o.MaxBucket = 3
	ix := New(o)
	f := features(testmedia.Picture(1, 480, 270))
	for i := 0; i < 5; i++ {
		ix.Add(int64(i), f) // the same features five times: every key over the limit
	}
	if hits := ix.Query(f, false); len(hits) != 0 {
		t.Fatalf("%d hits through stop words", len(hits))
	}
	if s := ix.Stats(); s.StopKeys == 0 {
		t.Fatal("no stop keys counted")
	}
}

// synthetic returns n frames of realistic descriptors: the features of a
// few real-looking pictures, each frame a copy of one with a share of bits
// flipped and positions moved, so that keys collide as real descriptors do.
func synthetic(n int, bases []*orb.Features, r *rand.Rand) []*orb.Features {
	out := make([]*orb.Features, n)
	for i := range out {
		b := bases[r.IntN(len(bases))]
		f := &orb.Features{W: b.W, H: b.H, Keypoints: make([]orb.Keypoint, b.Len()), Descriptors: make([]orb.Descriptor, b.Len())}
		dx, dy := float32(r.IntN(40)), float32(r.IntN(40))
		for j := range b.Descriptors {
			d := b.Descriptors[j]
			for k := 0; k < 40; k++ {
				bit := r.IntN(256)
				d[bit>>6] ^= 1 << (bit & 63)
			}
			f.Descriptors[j] = d
			k := b.Keypoints[j]
			k.X, k.Y = k.X+dx, k.Y+dy
			f.Keypoints[j] = k
		}
		out[i] = f
	}
	return out
}

func BenchmarkQuery(b *testing.B) {
	var bases []*orb.Features
	for s := uint64(0); s < 50; s++ {
		bases = append(bases, features(testmedia.Picture(s+900, 640, 360)))
	}
	target := testmedia.Picture(42, 640, 360)
	query := features(imaging.Crop(target, image.Rect(0, 0, 480, 300)))
	for _, n := range []int{100, 10000} {
		r := rand.New(rand.NewPCG(uint64(n), 1))
		ix := New(DefaultOptions())
		ix.Add(-1, features(target))
		for i, f := range synthetic(n, bases, r) {
			ix.Add(int64(i), f)
		}
		b.Run("frames="+itoa(n), func(b *testing.B) {
			c0 := cpuTime()
			for b.Loop() {
				if hits := ix.Query(query, true); len(hits) == 0 || hits[0].Ref != -1 {
					b.Fatal("target not found")
				}
			}
			b.ReportMetric(float64(cpuTime()-c0)/1e6/float64(b.N), "cpu-ms/op")
			s := ix.Stats()
			b.ReportMetric(float64(s.Bytes)/float64(s.Descriptors), "B/descriptor")
			b.ReportMetric(float64(s.Bytes)/float64(s.Frames), "B/frame")
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// cpuTime is the process's user and system CPU time in nanoseconds: on a
// shared machine it measures the work done, where wall time measures the
// neighbours too.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// TestGeometryRanksCandidates: registered frames that hold the same
// descriptors as the shown picture, but at orientations, scales and
// places that agree on nothing, get as many votes as the picture's own
// frame and come first in the index (ties go to the earlier frame); more
// of them than are verified. The picture's frame is still the one found:
// its votes agree on one turn and scale, theirs do not.
func TestGeometryRanksCandidates(t *testing.T) {
	pic := testmedia.Picture(61, 480, 270)
	reg := features(pic)
	ix := New(DefaultOptions())
	r := rand.New(rand.NewPCG(61, 2))
	decoys := 3 * DefaultOptions().Candidates
	for i := range decoys {
		d := &orb.Features{W: reg.W, H: reg.H, Descriptors: append([]orb.Descriptor(nil), reg.Descriptors...)}
		for range reg.Keypoints {
			k := reg.Keypoints[r.IntN(len(reg.Keypoints))]
			k.Angle = float32(r.Float64()*2*3.14159 - 3.14159)
			k.Scale = float32(math.Pow(1.2, float64(r.IntN(8))))
			d.Keypoints = append(d.Keypoints, k)
		}
		ix.Add(int64(i), d)
	}
	ix.Add(1000, reg)
	hits := ix.Query(features(imaging.Crop(pic, image.Rect(60, 20, 420, 250))), false)
	if len(hits) == 0 || hits[0].Ref != 1000 {
		t.Fatalf("hits %+v, want frame 1000 (the picture) first, ahead of %d decoys", hits, decoys)
	}
}

// TestSharedDescriptorsShareTheirVotes: the checked picture shows a
// registered picture under interface chrome whose descriptors are in
// more registered frames than the shortlist holds (each of them with the
// chrome 30 of 256 bits off, at scattered places, orientations and scales,
// and nothing of the picture). Counted whole, the chrome's votes put all of those frames
// ahead of the picture's own; shared among the frames each descriptor
// votes for, they do not, and the picture's frame is found.
func TestSharedDescriptorsShareTheirVotes(t *testing.T) {
	o := orb.DefaultOptions()
	o.MaxFeatures = 250
	pic := orb.Detect(orb.GrayFrom(testmedia.Picture(71, 480, 270), 0), o)
	o.MaxFeatures = 1500
	chrome := orb.Detect(orb.GrayFrom(testmedia.Picture(72, 960, 540), 0), o)
	if pic.Len() < 200 || chrome.Len() < 4*pic.Len() {
		t.Fatalf("%d picture and %d chrome features", pic.Len(), chrome.Len())
	}
	ix := New(DefaultOptions())
	r := rand.New(rand.NewPCG(71, 3))
	decoys := 2 * Shortlist * DefaultOptions().Candidates
	for i := range decoys {
		// Another frame's chrome: each descriptor 30 bits off, so it is
		// mostly filed under keys of its own (rare keys, weighted up) but
		// still within a vote's distance (50) of the checked one.
		d := &orb.Features{W: chrome.W, H: chrome.H}
		for _, cd := range chrome.Descriptors {
			for range 30 {
				b := r.IntN(256)
				cd[b>>6] ^= 1 << (b & 63)
			}
			d.Descriptors = append(d.Descriptors, cd)
			k := chrome.Keypoints[r.IntN(len(chrome.Keypoints))]
			k.Angle = float32(r.Float64()*2*math.Pi - math.Pi)
			k.Scale = float32(math.Pow(1.2, float64(r.IntN(8))))
			d.Keypoints = append(d.Keypoints, k)
		}
		ix.Add(int64(i), d)
	}
	ix.Add(1000, pic)
	// The checked picture: the registered one's features and the chrome's
	// (the picture in its top left quarter).
	q := &orb.Features{W: chrome.W, H: chrome.H}
	q.Keypoints = append(append(q.Keypoints, pic.Keypoints...), chrome.Keypoints...)
	q.Descriptors = append(append(q.Descriptors, pic.Descriptors...), chrome.Descriptors...)
	hits := ix.Query(q, false)
	if len(hits) == 0 || hits[0].Ref != 1000 {
		t.Fatalf("hits %+v, want frame 1000 (the picture) first, ahead of %d frames of chrome", hits, decoys)
	}
}
