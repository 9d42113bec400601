package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
)

// BenchmarkSQLiteFrames registers clips as registration does (5 frames a
// second, every frame with the seven registered views) into a SQLite
// registry: ns/frame is the time to write a frame, B/frame the bytes of the
// registry file per frame once its journal is folded in, and of its frames
// table alone.
func BenchmarkSQLiteFrames(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "reg.db")
	s, err := OpenSQLite(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const perClip = 250 // 50 s at 5 fps
	r := rand.New(rand.NewPCG(5, 5))
	names := []string{"crop9x16", "crop4x5", "crop1x1", "crop16x9", "zoom90", "zoom80", "zoom70"}
	clips := make([]Case, b.N)
	for i := range clips {
		sum := sha256.Sum256(fmt.Appendf(nil, "clip %d", i))
		fp := fingerprint.Fingerprint{Kind: media.KindVideo, Format: "mp4", Codec: "h264", Width: 640, Height: 360, Duration: perClip / 5, FPS: 25}
		for j := range perClip {
			f := fingerprint.Frame{T: float64(j) / 5, PDQ: randHash(r), Quality: 60 + r.IntN(41)}
			for _, n := range names {
				f.Views = append(f.Views, fingerprint.View{Name: n, PDQ: randHash(r), Quality: 60 + r.IntN(41)})
			}
			fp.Frames = append(fp.Frames, f)
		}
		clips[i] = Case{ID: fmt.Sprintf("clip-%d", i), Title: "A clip", Media: []Media{{SHA256: hex.EncodeToString(sum[:]), Name: "clip.mp4", Fingerprint: fp}}}
	}
	b.ResetTimer()
	for i := range clips {
		if _, err := s.Upsert(ctx, clips[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	frames := float64(b.N * perClip)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/frames, "ns/frame")
	if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/frames, "B/frame")
	// The frames table alone (its pages, by SQLite's dbstat table).
	var pages int64
	if err := s.db.QueryRowContext(ctx, `SELECT SUM(pgsize) FROM dbstat WHERE name = 'frames'`).Scan(&pages); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(pages)/frames, "frames-table-B/frame")
}
