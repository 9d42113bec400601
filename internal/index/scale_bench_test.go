package index

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/registry"
)

// scaleCases is a registry of n hashes as clips of 100 near-duplicate
// frames (each within 24 bits of its clip's base hash, as frames of one
// shot), one clip a case.
func scaleCases(n int) []registry.Case {
	r := rand.New(rand.NewPCG(51, 52))
	const frames = 100
	cases := make([]registry.Case, 0, n/frames)
	for c := 0; c < n/frames; c++ {
		cases = append(cases, scaleCase(r, fmt.Sprintf("clip-%08d", c), frames))
	}
	return cases
}

func scaleCase(r *rand.Rand, id string, frames int) registry.Case {
	base := randHash(r)
	fp := fingerprint.Fingerprint{Kind: media.KindVideo, Duration: float64(frames) / 5, Frames: make([]fingerprint.Frame, frames)}
	for f := range fp.Frames {
		h := base
		for range r.IntN(25) {
			b := r.IntN(pdq.Bits)
			h[b/64] ^= 1 << (b % 64)
		}
		fp.Frames[f] = fingerprint.Frame{T: float64(f) / 5, PDQ: h, Quality: 90}
	}
	return registry.Case{ID: id, Media: []registry.Media{{Fingerprint: fp}}}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkScale measures the index at 1 M and 10 M hashes: memory per
// indexed hash, one query hash at distance 31 and 45 (half of the queries
// near a registered frame, half unrelated), and one write — a new clip of
// 1,000 hashes — applied as a delta (Snapshot.Apply) against building the
// whole snapshot again, as a refresh did before; the linear scan is the
// baseline of the query, and the multi-index of 16 tables of 16-bit
// substrings used before (mih16) the baseline of the index.
//
//	go test ./internal/index -run '^$' -bench Scale -benchtime 2s -timeout 60m
func BenchmarkScale(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("n=%dM", n/1_000_000), func(b *testing.B) {
			cases := scaleCases(n)
			before := heapInUse()
			start := time.Now()
			snap := BuildSnapshot(cases, Options{})
			build := time.Since(start)
			perHash := float64(heapInUse()-before) / float64(snap.Index.Len())
			var hs []pdq.Hash
			for _, c := range cases[:min(len(cases), 10_000)] {
				for _, f := range c.Media[0].Fingerprint.Frames[:1] {
					hs = append(hs, f.PDQ)
				}
			}
			qs := benchQueries(hs)
			// The baseline: the multi-index of 16 tables of 16 bits the
			// snapshot used before (refs in memory).
			before = heapInUse()
			old := newMIH16(snap.Index.Len())
			for _, c := range cases {
				for fi, f := range c.Media[0].Fingerprint.Frames {
					old.Add(f.PDQ, Ref{Frame: int32(fi)})
				}
			}
			old.Build()
			oldPerHash := float64(heapInUse()-before) / float64(old.Len())
			for _, d := range []int{31, 45} {
				for _, kind := range []string{"", "/mih16"} {
					idx := snap.Index
					ph := perHash
					if kind != "" {
						idx, ph = old, oldPerHash
					}
					b.Run(fmt.Sprintf("query/d=%d%s", d, kind), func(b *testing.B) {
						var hits []Hit
						n := 0
						for i := 0; b.Loop(); i++ {
							hits = idx.Search(qs[i%len(qs)], d, hits[:0])
							n += len(hits)
						}
						b.ReportMetric(ph, "bytes/hash")
						b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
						b.ReportMetric(float64(n)/float64(b.N), "hits/q")
						reportPlan(b, idx, qs, d)
					})
				}
			}
			old = nil
			b.Run("query/d=31/linear-scan", func(b *testing.B) {
				lin := NewLinear(snap.Index.Len())
				for _, c := range cases {
					for fi, f := range c.Media[0].Fingerprint.Frames {
						lin.Add(f.PDQ, Ref{Frame: int32(fi)})
					}
				}
				var hits []Hit
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					hits = lin.Search(qs[i%len(qs)], 31, hits[:0])
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
			})
			r := rand.New(rand.NewPCG(53, 54))
			b.Run("apply-one-write", func(b *testing.B) {
				// A stream of writes, each applied to the snapshot the last
				// one gave, as the watcher does; back to the base every 50
				// writes, before the delta would be compacted.
				cur := snap
				for i := 0; b.Loop(); i++ {
					b.StopTimer()
					c := scaleCase(r, fmt.Sprintf("new-%d", i), 1000)
					if i%50 == 0 {
						cur = snap
					}
					b.StartTimer()
					next := cur.Apply(registry.Changes{Generation: int64(i + 1), Upserted: []registry.Case{c}})
					if next.Index.Len() != cur.Index.Len()+1000 {
						b.Fatalf("%d hashes after the write, want %d", next.Index.Len(), cur.Index.Len()+1000)
					}
					cur = next
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/write")
			})
			b.Run("rebuild-whole", func(b *testing.B) {
				b.ReportMetric(build.Seconds()*1000, "ms/first-build")
				for b.Loop() {
					BuildSnapshot(cases, Options{})
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/write")
			})
		})
	}
}
