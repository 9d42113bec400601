package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/pgtest"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// storeOnly hides a store's change log, so an engine on it reloads the
// whole registry after every write, as every refresh did before the change
// log.
type storeOnly struct{ registry.Store }

// BenchmarkCheckDuringWrites: a replica checks a photo in a loop for 6 s
// while another process registers a 30 s clip (1,200 hashes) every 300 ms
// into the same registry of 250 clips (300,000 hashes). It reports the
// longest and the 99th-percentile check latency and the checks per second,
// with the refresh of this change (a delta applied by the watcher, checks
// answering from memory) next to the refresh before it (each check asks
// the store's generation and reloads the whole registry when it moved),
// for SQLite and PostgreSQL, in the same run.
//
//	go test ./engine -run '^$' -bench CheckDuringWrites -benchtime 1x -timeout 30m
func BenchmarkCheckDuringWrites(b *testing.B) {
	const (
		base     = 250
		writes   = 20
		every    = 300 * time.Millisecond
		duration = 6 * time.Second
	)
	clips := syntheticClips(base + 2*writes*4)
	photo := filepath.Join(b.TempDir(), "photo.jpg")
	if err := testmedia.WriteJPEG(photo, testmedia.Picture(21, 1024, 768), 90); err != nil {
		b.Fatal(err)
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, mode := range []string{"delta", "reload-whole"} {
			b.Run(backend+"/"+mode, func(b *testing.B) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				var open func() registry.Store
				switch backend {
				case "sqlite":
					path := filepath.Join(b.TempDir(), "reg.db")
					open = func() registry.Store {
						s, err := registry.OpenSQLite(ctx, path)
						if err != nil {
							b.Fatal(err)
						}
						return s
					}
				case "postgres":
					dsn := pgtest.DSN(b)
					open = func() registry.Store {
						s, err := registry.OpenPostgres(ctx, dsn)
						if err != nil {
							b.Fatal(err)
						}
						return s
					}
				}
				writer := open()
				defer writer.Close()
				if err := writer.Import(ctx, clips[:base]); err != nil {
					b.Fatal(err)
				}
				cfg, err := rules.Defaults().Translate()
				if err != nil {
					b.Fatal(err)
				}
				cfg.Sampling.QueryViews = rules.ViewsFast
				st := open()
				if mode == "reload-whole" {
					st = storeOnly{st}
				}
				e, err := New(ctx, cfg, Options{Store: st})
				if err != nil {
					b.Fatal(err)
				}
				defer e.Close()
				if _, err := e.Refresh(ctx); err != nil {
					b.Fatal(err)
				}
				if mode == "delta" {
					go e.Watch(ctx, 500*time.Millisecond, nil, func(RegistryInfo, RegistryInfo, time.Duration, error) {})
				}
				fp, err := e.FingerprintQuery(ctx, photo, e.QuerySampling())
				if err != nil {
					b.Fatal(err)
				}
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					t := time.NewTicker(every)
					defer t.Stop()
					for i := 0; ; i++ {
						select {
						case <-ctx.Done():
							return
						case <-t.C:
						}
						c := clips[base+i%(len(clips)-base)]
						c.ID = fmt.Sprintf("new-%04d", i)
						if _, err := writer.Upsert(ctx, c); err != nil && ctx.Err() == nil {
							b.Error(err)
							return
						}
					}
				}()
				var lat []time.Duration
				b.ResetTimer()
				for start := time.Now(); time.Since(start) < duration; {
					t0 := time.Now()
					snap, err := e.Snapshot(ctx)
					if err != nil {
						b.Fatal(err)
					}
					e.Evaluate(snap, fp)
					lat = append(lat, time.Since(t0))
				}
				b.StopTimer()
				cancel()
				wg.Wait()
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(len(lat))/duration.Seconds(), "checks/s")
				rs := e.RefreshStats()
				b.ReportMetric(float64(rs.Count[kindDelta]), "deltas")
				b.ReportMetric(float64(rs.Count[kindFull]), "full-loads")
				if n := rs.Count[kindDelta]; n > 0 {
					b.ReportMetric(rs.Seconds[kindDelta]/float64(n)*1000, "ms/delta")
				}
				if n := rs.Count[kindFull]; n > 1 {
					b.ReportMetric(rs.Seconds[kindFull]/float64(n)*1000, "ms/full-load")
				}
			})
		}
	}
}
