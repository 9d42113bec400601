package match

import (
	"context"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/provcheck/provcheck/internal/index"
	"github.com/provcheck/provcheck/internal/signal/pdq"
)

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

// BenchmarkSearchContext: the index searches of a check with a look at the
// context between queries and between blocks of the linear pass
// (index.SearchManyContext, with a live context), against the plain
// search, on a million registered hashes in clips of near duplicates: 140
// query hashes at distance 84 (mostly left to the linear scan), and 500 at
// 45.
//
//	go test ./internal/match -run '^$' -bench SearchContext -benchtime 5x
func BenchmarkSearchContext(b *testing.B) {
	r := rand.New(rand.NewPCG(61, 62))
	const n = 1_000_000
	x := index.NewMIH(n)
	var base pdq.Hash
	var reg []pdq.Hash
	for i := 0; i < n; i++ {
		if i%100 == 0 {
			base = pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
		}
		h := base
		for range r.IntN(25) {
			k := r.IntN(pdq.Bits)
			h[k/64] ^= 1 << (k % 64)
		}
		x.Add(h, index.Ref{Case: int32(i / 100), Frame: int32(i % 100)})
		if i%1000 == 0 {
			reg = append(reg, h)
		}
	}
	x.Build()
	queries := func(m, flips int) []pdq.Hash {
		out := make([]pdq.Hash, m)
		for i := range out {
			if i%2 == 0 {
				out[i] = pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
				continue
			}
			h := reg[r.IntN(len(reg))]
			for range flips {
				k := r.IntN(pdq.Bits)
				h[k/64] ^= 1 << (k % 64)
			}
			out[i] = h
		}
		return out
	}
	for _, w := range []struct {
		name string
		qs   []pdq.Hash
		dist int
	}{{"crop-140x84", queries(140, 40), 84}, {"frames-500x45", queries(500, 20), 45}} {
		hits := 0
		count := func(int, index.Hit) { hits++ }
		b.Run(w.name+"/plain", func(b *testing.B) {
			cpu := cpuTime()
			for range b.N {
				x.SearchMany(w.qs, w.dist, count)
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
		ctx, cancel := context.WithCancel(context.Background()) // a live context, as a check's
		defer cancel()
		b.Run(w.name+"/context", func(b *testing.B) {
			cpu := cpuTime()
			for range b.N {
				if err := index.SearchManyContext(ctx, x, w.qs, w.dist, count); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
