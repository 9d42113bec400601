package registry

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/provcheck/provcheck/internal/pgtest"
	"github.com/provcheck/provcheck/internal/signal/pdq"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// A backend is one Store implementation the store suite runs against.
type backend struct {
	name string
	open func(t *testing.T) Store
}

var backends = []backend{
	{"sqlite", func(t *testing.T) Store {
		t.Helper()
		s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "reg.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"postgres", func(t *testing.T) Store {
		t.Helper()
		s, err := OpenPostgres(context.Background(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

// forEachStore runs a test of the Store contract against every backend:
// SQLite, and a real PostgreSQL server started for the tests.
func forEachStore(t *testing.T, fn func(t *testing.T, open func(*testing.T) Store)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b.open) })
	}
}

// countRows counts the rows of a table, whatever the backend.
func countRows(t *testing.T, s Store, table string) int {
	t.Helper()
	ctx := context.Background()
	var n int
	var err error
	switch s := s.(type) {
	case *SQLite:
		err = s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n)
	case *Postgres:
		err = s.pool.QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n)
	default:
		t.Fatalf("countRows: unknown store %T", s)
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestChangeLog(t *testing.T) { forEachStore(t, testChangeLog) }

func testChangeLog(t *testing.T, open func(*testing.T) Store) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(31, 32))
	s := open(t)
	log, ok := s.(ChangeLog)
	if !ok {
		t.Fatalf("%T keeps no change log", s)
	}
	g0, err := s.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ch, err := log.Changes(ctx, g0); err != nil || !ch.Empty() || ch.Generation != g0 {
		t.Fatalf("no change since the current generation: %+v %v", ch, err)
	}
	for _, id := range []string{"a", "b", "c"} {
		if _, err := s.Upsert(ctx, testCase(r, id)); err != nil {
			t.Fatal(err)
		}
	}
	g1, _ := s.Generation(ctx)
	ch, err := log.Changes(ctx, g0)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Generation != g1 || len(ch.Upserted) != 3 || len(ch.Removed) != 0 || ch.StopFrames != nil || ch.Full {
		t.Fatalf("after three upserts: gen %d (want %d), %d upserted, %d removed", ch.Generation, g1, len(ch.Upserted), len(ch.Removed))
	}
	if len(ch.Upserted[0].Media) != 1 || len(ch.Upserted[0].Media[0].Fingerprint.Frames) != 10 {
		t.Errorf("changed cases come without their fingerprints: %+v", ch.Upserted[0].Media)
	}
	more := Case{ID: "b", Media: []Media{testMedia(r, "more.mp4", 3)}}
	if _, err := s.Upsert(ctx, more); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	ch, err = log.Changes(ctx, g1)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Upserted) != 1 || ch.Upserted[0].ID != "b" || len(ch.Upserted[0].Media) != 2 {
		t.Errorf("upserted %+v, want b with two media", ch.Upserted)
	}
	if len(ch.Removed) != 1 || ch.Removed[0] != "a" {
		t.Errorf("removed %v, want [a]", ch.Removed)
	}
	// A failed write changes nothing, the generation and the log included.
	g2, _ := s.Generation(ctx)
	if err := s.Remove(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second remove: %v", err)
	}
	if g, _ := s.Generation(ctx); g != g2 {
		t.Errorf("a failed remove moved the generation %d → %d", g2, g)
	}
	if _, err := s.AddStopFrames(ctx, []StopFrame{{Source: "card", PDQ: pdq.Hash{1, 2, 3, 4}}}); err != nil {
		t.Fatal(err)
	}
	ch, err = log.Changes(ctx, g2)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.StopFrames) != 1 || len(ch.Upserted) != 0 || len(ch.Removed) != 0 {
		t.Errorf("after a stop frame: %+v", ch)
	}
	// A reader from the future (another registry) reloads.
	if ch, err := log.Changes(ctx, ch.Generation+5); err != nil || !ch.Full {
		t.Errorf("a generation ahead of the store must ask for a full reload: %+v %v", ch, err)
	}
}

func TestGetUnknown(t *testing.T) { forEachStore(t, testGetUnknown) }

func testGetUnknown(t *testing.T, open func(*testing.T) Store) {
	s := open(t)
	if _, err := s.Get(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get of an unknown id: %v", err)
	}
	if err := s.Remove(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("remove of an unknown id: %v", err)
	}
	list, err := s.List(context.Background())
	if err != nil || len(list) != 0 {
		t.Errorf("empty registry lists %v %v", list, err)
	}
}

func TestWithDigest(t *testing.T) { forEachStore(t, testWithDigest) }

// testWithDigest: media are found by their file's digest, in every case
// that holds the same file, and not after their case is removed.
func testWithDigest(t *testing.T, open func(*testing.T) Store) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(5, 6))
	s := open(t)
	a, b := testCase(r, "case-a"), testCase(r, "case-b")
	b.Media = append(b.Media, a.Media[0]) // the same file in a second case
	b.Media[1].Name = "copy.mp4"
	if err := s.Import(ctx, []Case{a, b}); err != nil {
		t.Fatal(err)
	}
	got, err := s.WithDigest(ctx, a.Media[0].SHA256)
	want := []MediaRef{{"case-a", a.Media[0].Name}, {"case-b", "copy.mp4"}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("WithDigest = %v, %v; want %v", got, err, want)
	}
	if got, err := s.WithDigest(ctx, strings.Repeat("0", 64)); err != nil || len(got) != 0 {
		t.Errorf("unknown digest: %v, %v", got, err)
	}
	if err := s.Remove(ctx, "case-a"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.WithDigest(ctx, a.Media[0].SHA256); err != nil || !slices.Equal(got, want[1:]) {
		t.Errorf("after removing case-a: %v, %v", got, err)
	}
}
