package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/registry"
)

func randHash(r *rand.Rand) pdq.Hash {
	return pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
}

// testCase is a case with one registered clip of 10 random frames, half of
// them with two views.
func testCase(r *rand.Rand, id string) registry.Case {
	fp := fingerprint.Fingerprint{Kind: media.KindVideo, Format: "mp4", Width: 640, Height: 360, Duration: 2, FPS: 25}
	for i := 0; i < 10; i++ {
		f := fingerprint.Frame{T: float64(i) / 5, PDQ: randHash(r), Quality: 80 + i%20}
		if i%2 == 0 {
			f.Views = []fingerprint.View{{Name: "zoom90", PDQ: randHash(r), Quality: 70}, {Name: "crop1x1", PDQ: randHash(r), Quality: 65}}
		}
		fp.Frames = append(fp.Frames, f)
	}
	return registry.Case{
		ID: id, Title: "Title of " + id, Claim: "A claim", Rating: "False", Category: registry.TransformedContent,
		Media:      []registry.Media{{SHA256: fmt.Sprintf("%064x", r.Uint64()), Name: id + ".mp4", Fingerprint: fp}},
		FactChecks: []registry.FactCheck{{Publisher: "Lead Stories", URL: "https://example.org/fc/" + id}},
	}
}

func TestLinearIndexExact(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	idx := NewLinear(0)
	var hs []pdq.Hash
	for i := 0; i < 5000; i++ {
		h := randHash(r)
		hs = append(hs, h)
		idx.Add(h, Ref{Case: int32(i / 100), Frame: int32(i)})
	}
	q := hs[1234]
	q[0] ^= 0xff // 8 bits away
	got := idx.Search(q, 10, nil)
	if len(got) != 1 || got[0].Frame != 1234 || got[0].Distance != 8 {
		t.Fatalf("search: %+v", got)
	}
	qs := []pdq.Hash{q, hs[42], randHash(r)}
	found := map[int][]Hit{}
	idx.SearchMany(qs, 10, func(i int, h Hit) { found[i] = append(found[i], h) })
	if len(found[0]) != 1 || found[0][0].Frame != 1234 || len(found[1]) != 1 || found[1][0].Distance != 0 || len(found[2]) != 0 {
		t.Errorf("SearchMany: %+v", found)
	}
}

func benchIndex(b *testing.B, n int) (*Linear, []pdq.Hash) {
	r := rand.New(rand.NewPCG(17, 18))
	idx := NewLinear(n)
	for i := 0; i < n; i++ {
		idx.Add(randHash(r), Ref{Frame: int32(i)})
	}
	qs := make([]pdq.Hash, 64)
	for i := range qs {
		qs[i] = randHash(r)
	}
	return idx, qs
}

// BenchmarkLinearSearch1M: one query hash against one million frame hashes.
func BenchmarkLinearSearch1M(b *testing.B) {
	idx, qs := benchIndex(b, 1_000_000)
	b.ResetTimer()
	var hits []Hit
	for i := 0; i < b.N; i++ {
		hits = idx.Search(qs[i%len(qs)], 31, hits[:0])
	}
}

// BenchmarkLinearSearchMany1M: 64 query hashes (a sampled clip) against one
// million frame hashes in one pass; compare per query with the above.
func BenchmarkLinearSearchMany1M(b *testing.B) {
	idx, qs := benchIndex(b, 1_000_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		idx.SearchMany(qs, 31, func(int, Hit) {})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(qs)), "ns/query")
}

// TestLoadSnapshotStopFrames: registered frames near a stop frame are left
// out of the index, the others stay.
func TestLoadSnapshotStopFrames(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(21, 22))
	s, err := registry.OpenSQLite(ctx, filepath.Join(t.TempDir(), "reg.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := testCase(r, "with-card")
	card := c.Media[0].Fingerprint.Frames[0].PDQ
	if _, err := s.Upsert(ctx, c); err != nil {
		t.Fatal(err)
	}
	near := card
	near[1] ^= 0xfff // 12 bits from the registered frame
	if _, err := s.AddStopFrames(ctx, []registry.StopFrame{{Source: "channel-intro.mp4", PDQ: near}}); err != nil {
		t.Fatal(err)
	}
	snap, err := LoadSnapshot(ctx, s, Options{StopDistance: 31})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Stopped != 1 {
		t.Errorf("stopped %d frames, want 1", snap.Stopped)
	}
	if hits := snap.Index.Search(card, 0, nil); len(hits) != 0 {
		t.Errorf("a frame near a stop frame is still indexed: %+v", hits)
	}
	other := c.Media[0].Fingerprint.Frames[1].PDQ
	if hits := snap.Index.Search(other, 0, nil); len(hits) != 1 {
		t.Errorf("other frames must stay indexed: %+v", hits)
	}
}
