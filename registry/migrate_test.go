package registry

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/pgtest"
	"github.com/provcheck/provcheck/internal/testmedia"
)

// fullCases are cases holding every kind of data a registry stores: video
// and still media with views, signals of another type, local features and
// thumbnails; fact-checks with the ClaimReview fields.
func fullCases(t *testing.T) []Case {
	t.Helper()
	r := rand.New(rand.NewPCG(81, 82))
	local := fingerprint.LocalFeatures(testmedia.Picture(5, 480, 320), fingerprint.LocalStillSide, fingerprint.LocalStillFeatures)
	if len(local) == 0 {
		t.Fatal("no local features")
	}
	a := testCase(r, "migrated-video")
	a.Claimant, a.OriginalContext = "Social media users", "Filmed in 2019."
	a.Appearances = []Appearance{{URL: "https://social.example.com/p/0", First: true}}
	a.FactChecks[0].RatingValue, a.FactChecks[0].BestRating, a.FactChecks[0].WorstRating = "1", "5", "1"
	a.FactChecks[0].Extra = map[string]json.RawMessage{"ClaimReview.reviewBody": json.RawMessage(`"Filmed in 2019."`)}
	m := &a.Media[0]
	m.Fingerprint.Frames[0].Local = local
	m.Fingerprint.Frames[5].Local = local
	m.Fingerprint.Frames[2].Signals = []fingerprint.Signal{{Type: "toy", Version: 3, Value: "abc", Quality: 60}}
	m.Version = "pdq/1 toy/3 views/2"
	m.Thumbnails = []Thumbnail{{Frame: 0, JPEG: testThumb(t, 160, 90)}, {Frame: 5, JPEG: testThumb(t, 160, 90)}}
	b := testCase(r, "migrated-still")
	still := testMedia(r, "still.jpg", 1)
	still.Fingerprint.Frames[0].Local = local
	b.Media = append(b.Media, still)
	return []Case{a, b}
}

// registryContents is everything a store holds that the test compares.
type registryContents struct {
	Cases []Case
	Stops []StopFrame
}

func readContents(t *testing.T, s Store) registryContents {
	t.Helper()
	ctx := context.Background()
	all, err := s.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.(Thumbnails).FillThumbnails(ctx, all); err != nil {
		t.Fatal(err)
	}
	stops, err := s.StopFrames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return registryContents{all, stops}
}

// TestMigrationDropsSmallHashes: a registry of the schema before frames
// lost their pHash and dHash columns (SQLite 7, PostgreSQL 5), with those
// columns filled, is brought up to date on both backends: the columns are
// gone and every case, medium, frame (time, PDQ, quality), view, signal,
// local feature, thumbnail, fact-check and stop frame is as it was.
func TestMigrationDropsSmallHashes(t *testing.T) {
	ctx := context.Background()
	for _, b := range []struct {
		name string
		// location opens a new empty registry's location.
		location func(t *testing.T) string
		// downgrade turns a registry of this build into one of the
		// schema before, its frames given pHash and dHash.
		downgrade  func(t *testing.T, s Store)
		hasColumns func(t *testing.T, s Store) bool
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "reg.db") },
			func(t *testing.T, s Store) {
				for _, q := range []string{
					`ALTER TABLE frames ADD COLUMN phash TEXT NOT NULL DEFAULT ''`,
					`ALTER TABLE frames ADD COLUMN dhash TEXT NOT NULL DEFAULT ''`,
					`UPDATE frames SET phash = printf('%016x', media_id * 1000 + seq), dhash = printf('%016x', seq)`,
					`DROP INDEX media_sha256`, // schema 9
					`PRAGMA user_version = 7`, // before schema 8 dropped the columns
				} {
					if _, err := s.(*SQLite).db.ExecContext(ctx, q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
			},
			func(t *testing.T, s Store) bool { return sqliteHasColumn(t, s.(*SQLite), "frames", "phash") },
		},
		{"postgres", func(t *testing.T) string { return pgtest.DSN(t) },
			func(t *testing.T, s Store) {
				for _, q := range []string{
					`ALTER TABLE frames ADD COLUMN phash BIGINT NOT NULL DEFAULT 0, ADD COLUMN dhash BIGINT NOT NULL DEFAULT 0`,
					`UPDATE frames SET phash = media_id * 1000 + seq, dhash = seq`,
					`DROP INDEX media_sha256`,                 // schema 7
					`UPDATE provcheck_schema SET version = 5`, // before schema 6 dropped the columns
				} {
					if _, err := s.(*Postgres).pool.Exec(ctx, q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
			},
			func(t *testing.T, s Store) bool {
				var n int
				if err := s.(*Postgres).pool.QueryRow(ctx, `SELECT COUNT(*) FROM information_schema.columns
					WHERE table_name = 'frames' AND column_name IN ('phash', 'dhash')`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n > 0
			},
		},
	} {
		t.Run(b.name, func(t *testing.T) {
			loc := b.location(t)
			s, err := Open(ctx, loc)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Import(ctx, fullCases(t)); err != nil {
				t.Fatal(err)
			}
			stopLocal := fingerprint.LocalFeatures(testmedia.Picture(6, 320, 240), fingerprint.LocalStillSide, fingerprint.LocalStillFeatures)
			if _, err := s.AddStopFrames(ctx, []StopFrame{{Source: "intro.mp4", PDQ: randHash(rand.New(rand.NewPCG(1, 1))), Local: stopLocal}}); err != nil {
				t.Fatal(err)
			}
			want := readContents(t, s)
			frames := countRows(t, s, "frames")
			b.downgrade(t, s)
			if !b.hasColumns(t, s) {
				t.Fatal("the downgraded registry has no pHash column")
			}
			s.Close()

			s, err = Open(ctx, loc)
			if err != nil {
				t.Fatalf("migrating: %v", err)
			}
			defer s.Close()
			if b.hasColumns(t, s) {
				t.Error("pHash and dHash columns kept")
			}
			if n := countRows(t, s, "frames"); n != frames || n == 0 {
				t.Errorf("%d frames after migration, %d before", n, frames)
			}
			got := readContents(t, s)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("contents changed in migration:\nbefore %+v\nafter  %+v", want, got)
			}
			// What the test compares holds what it should.
			m := got.Cases[1].Media[0]
			if len(got.Cases) != 2 || len(m.Thumbnails) != 2 || m.Fingerprint.Frames[5].Local == nil ||
				m.Fingerprint.Frames[2].Signals == nil || len(m.Fingerprint.Frames[0].Views) != 2 ||
				got.Cases[1].FactChecks[0].Extra == nil || len(got.Stops) != 1 || got.Stops[0].Local == nil {
				t.Errorf("test data incomplete: %+v", got)
			}
			// The migrated registry takes new cases.
			if _, err := s.Upsert(ctx, testCase(rand.New(rand.NewPCG(3, 4)), "after-migration")); err != nil {
				t.Errorf("upsert after migration: %v", err)
			}
		})
	}
}

// sqliteHasColumn reports whether table has column.
func sqliteHasColumn(t *testing.T, s *SQLite, table, column string) bool {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?`, table, column).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}
