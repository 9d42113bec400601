package engine

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/provcheck/provcheck/internal/index"
	"github.com/provcheck/provcheck/internal/pgtest"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// indexFileRegistry is a new SQLite registry with the fixture's clip and
// photo and synthetic clips and photos (enough hashes for the index's
// tables, local features on all of them).
func indexFileRegistry(t *testing.T) (string, rules.Config) {
	t.Helper()
	f := getFixture(t)
	ctx := context.Background()
	cases, err := f.e.Store().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, syntheticClips(6)...)
	cases = append(cases, syntheticPhotos(60, 9)...)
	path := filepath.Join(t.TempDir(), "reg.db")
	s, err := registry.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Import(ctx, cases); err != nil {
		t.Fatal(err)
	}
	s.Close()
	cfg := f.e.Config()
	cfg.Registry = path
	return path, cfg
}

func openEngine(t *testing.T, cfg rules.Config, persist bool) *Engine {
	t.Helper()
	e, err := New(context.Background(), cfg, Options{PersistIndex: persist, MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// snapshotOnFile says whether the engine's snapshot is mapped from the
// index file.
func snapshotOnFile(t *testing.T, e *Engine) bool {
	t.Helper()
	s, err := e.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s.OnFile()
}

func checkReport(t *testing.T, e *Engine, file string) Report {
	t.Helper()
	rep, err := e.Check(context.Background(), file)
	if err != nil {
		t.Fatal(err)
	}
	rep.ElapsedMS = 0
	return rep
}

// TestIndexFileSameReports: checks answered from the persisted index give
// the same reports, evidence included (segments, time alignment, frame
// pairs, local-feature regions, fact-checks), as checks against the
// registry indexed in memory; the index file is written by the first
// check and mapped by the next process.
func TestIndexFileSameReports(t *testing.T) {
	f := getFixture(t)
	path, cfg := indexFileRegistry(t)
	mem := openEngine(t, cfg, false)
	first := openEngine(t, cfg, true)
	if first.IndexFile() != path+".index" {
		t.Fatalf("index file %q", first.IndexFile())
	}
	if snapshotOnFile(t, first) {
		t.Fatal("the first engine found an index file")
	}
	if _, err := index.OpenFile(path+".index", first.indexOptions()); err != nil {
		t.Fatalf("the first check wrote no usable index file: %v", err)
	}
	cold := openEngine(t, cfg, true)
	if !snapshotOnFile(t, cold) {
		t.Fatal("the next engine did not map the index file")
	}
	matched := 0
	// A clip and an excerpt of it (time alignment, segments), a still of
	// the clip, the photo, a crop of it off centre, a
	// corner of it and of the clip (local features), the photo whole inside
	// others (local features confirmed by guided PDQ), and a photo that
	// matches nothing.
	for _, file := range []string{"orig.mp4", "excerpt.mp4", "frame.jpg", "photo.jpg", "photo-crop.jpg",
		"photo-corner.jpg", "corner.mp4", "photo-turned-inside.jpg", "photo-collage-mirrored.jpg", "other.jpg"} {
		p := filepath.Join(f.dir, file)
		want, got := checkReport(t, mem, p), checkReport(t, cold, p)
		if file == "corner.mp4" {
			// Which registered frame a checked frame with two equally
			// good local-feature hits is paired with (Seen.Pairs, for
			// the check page) varies from run to run in memory too; the
			// report itself does not.
			for _, r := range []*Report{&want, &got} {
				for i := range r.Matches {
					r.Matches[i].Seen = nil
				}
			}
		}
		if !reflect.DeepEqual(got, want) {
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(want)
			var ga, gb []byte
			if len(got.Matches) > 0 && len(want.Matches) > 0 {
				ga, _ = json.Marshal(got.Matches[0].Seen)
				gb, _ = json.Marshal(want.Matches[0].Seen)
			}
			t.Errorf("%s: from the index file\n%s\n%s\nin memory\n%s\n%s", file, a, ga, b, gb)
			continue
		}
		if got.Verdict == rules.Match {
			matched++
		}
	}
	if matched < 7 {
		t.Errorf("%d files matched", matched)
	}
	snap, _ := cold.Snapshot(context.Background())
	if n := snap.Fetched(); n == 0 || n >= snap.CaseCount() {
		t.Errorf("%d of %d cases read from the store", n, snap.CaseCount())
	}
}

// TestIndexFileFollowsWrites: a process whose index file is behind the
// registry sees what was written since — a new case is matched, a removed
// one is not — by applying the changes on top of the file; a file too far
// behind, damaged or truncated is built again (and then mapped again).
func TestIndexFileFollowsWrites(t *testing.T) {
	f := getFixture(t)
	ctx := context.Background()
	path, cfg := indexFileRegistry(t)
	checkReport(t, openEngine(t, cfg, true), filepath.Join(f.dir, "other.jpg")) // writes the file
	gen0 := fileGeneration(t, path+".index", cfg)

	w := openEngine(t, cfg, false)
	if _, err := w.Register(ctx, AddRequest{Case: registry.Case{ID: "other", Title: "Another photo"},
		Files: []string{filepath.Join(f.dir, "other.jpg")}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Store().Remove(ctx, "photo"); err != nil {
		t.Fatal(err)
	}
	e := openEngine(t, cfg, true)
	if rep := checkReport(t, e, filepath.Join(f.dir, "other.jpg")); rep.Verdict != rules.Match || rep.Matches[0].EntryID != "other" {
		t.Errorf("the case registered after the file: %s", describe(rep))
	}
	if rep := checkReport(t, e, filepath.Join(f.dir, "photo.jpg")); rep.Verdict != rules.NoMatch {
		t.Errorf("the case removed after the file: %s", describe(rep))
	}
	if !snapshotOnFile(t, e) || fileGeneration(t, path+".index", cfg) != gen0 {
		t.Error("a small change was not applied on top of the file")
	}
	// Many writes: the delta outgrows the file, which is built again.
	many := syntheticPhotos(fileDeltaMax/8+10, 11)
	for i := range many {
		many[i].Media[0].Fingerprint.Frames[0].Local = nil // not needed here, and slow to index
	}
	if err := w.Store().Import(ctx, many); err != nil {
		t.Fatal(err)
	}
	e = openEngine(t, cfg, true)
	if snapshotOnFile(t, e) {
		t.Error("a file far behind was used")
	}
	gen1 := fileGeneration(t, path+".index", cfg)
	if gen1 <= gen0 {
		t.Errorf("the file was not written again: generation %d, was %d", gen1, gen0)
	}
	if rep := checkReport(t, openEngine(t, cfg, true), filepath.Join(f.dir, "other.jpg")); rep.Verdict != rules.Match {
		t.Errorf("after the rebuild: %s", describe(rep))
	}
	// A damaged file is not used, and is written again.
	for _, damage := range []func([]byte) []byte{
		func(b []byte) []byte { return b[:len(b)/2] },
		func(b []byte) []byte { b[30] ^= 1; return b },
	} {
		b, err := os.ReadFile(path + ".index")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+".index", damage(b), 0o644); err != nil {
			t.Fatal(err)
		}
		e = openEngine(t, cfg, true)
		if snapshotOnFile(t, e) {
			t.Fatal("a damaged file was used")
		}
		if rep := checkReport(t, e, filepath.Join(f.dir, "other.jpg")); rep.Verdict != rules.Match {
			t.Errorf("with a damaged file: %s", describe(rep))
		}
		if !snapshotOnFile(t, openEngine(t, cfg, true)) {
			t.Error("the damaged file was not written again")
		}
	}
	// index_file: off keeps none; a named file is used.
	off := cfg
	off.IndexFile = rules.IndexOff
	if e := openEngine(t, off, true); e.IndexFile() != "" || snapshotOnFile(t, e) {
		t.Error("index_file: off uses a file")
	}
	named := cfg
	named.IndexFile = filepath.Join(t.TempDir(), "sub", "named.idx")
	checkReport(t, openEngine(t, named, true), filepath.Join(f.dir, "other.jpg"))
	if !snapshotOnFile(t, openEngine(t, named, true)) {
		t.Error("the named index file is not used")
	}
}

func fileGeneration(t *testing.T, path string, cfg rules.Config) int64 {
	t.Helper()
	e := &Engine{cfg: cfg}
	x, err := index.OpenFile(path, e.indexOptions())
	if err != nil {
		t.Fatal(err)
	}
	return x.Generation
}

func TestIndexFilePath(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/cache")
	for _, tc := range []struct{ file, registry, want string }{
		{"", "/data/reg.db", "/data/reg.db.index"},
		{"off", "/data/reg.db", ""},
		{"/x/y.idx", "/data/reg.db", "/x/y.idx"},
	} {
		if got, err := IndexFilePath(tc.file, tc.registry); err != nil || got != tc.want {
			t.Errorf("%q, %q: %q %v, want %q", tc.file, tc.registry, got, err, tc.want)
		}
	}
	a, _ := IndexFilePath("", "postgres://u:secret@db/reg")
	b, _ := IndexFilePath("", "postgres://u:other@db/reg")
	c, _ := IndexFilePath("", "postgres://u@db/other")
	if a != b || a == c || filepath.Dir(a) != "/cache/provcheck" {
		t.Errorf("PostgreSQL index files %q %q %q", a, b, c)
	}
}

// TestIndexFileOnPostgres: with a PostgreSQL registry the index file lives
// in the user cache directory; a process maps it, gives the reports a
// process indexing in memory gives, and sees a write made since.
func TestIndexFileOnPostgres(t *testing.T) {
	f := getFixture(t)
	ctx := context.Background()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dsn := pgtest.DSN(t)
	s, err := registry.OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := f.e.Store().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Import(ctx, append(cases, syntheticClips(4)...)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	cfg := f.e.Config()
	cfg.Registry = dsn
	mem := openEngine(t, cfg, false)
	first := openEngine(t, cfg, true)
	if filepath.Dir(first.IndexFile()) != filepath.Join(os.Getenv("XDG_CACHE_HOME"), "provcheck") {
		t.Fatalf("index file %q", first.IndexFile())
	}
	checkReport(t, first, filepath.Join(f.dir, "other.jpg")) // writes the file
	cold := openEngine(t, cfg, true)
	if !snapshotOnFile(t, cold) {
		t.Fatal("the index file is not used")
	}
	for _, file := range []string{"excerpt.mp4", "photo-small.jpg"} {
		p := filepath.Join(f.dir, file)
		if want, got := checkReport(t, mem, p), checkReport(t, cold, p); !reflect.DeepEqual(got, want) || got.Verdict != rules.Match {
			t.Errorf("%s: from the index file %s, in memory %s", file, describe(got), describe(want))
		}
	}
	if _, err := mem.Register(ctx, AddRequest{Case: registry.Case{ID: "other", Title: "Another photo"},
		Files: []string{filepath.Join(f.dir, "other.jpg")}}); err != nil {
		t.Fatal(err)
	}
	e := openEngine(t, cfg, true)
	if rep := checkReport(t, e, filepath.Join(f.dir, "other.jpg")); rep.Verdict != rules.Match || !snapshotOnFile(t, e) {
		t.Errorf("a case registered since the file: %s", describe(rep))
	}
}
