package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal/pdq"
)

func randHash(r *rand.Rand) pdq.Hash {
	return pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
}

func testMedia(r *rand.Rand, name string, frames int) Media {
	sum := sha256.Sum256([]byte(name))
	fp := fingerprint.Fingerprint{Kind: media.KindVideo, Format: "mp4", Codec: "h264", Width: 640, Height: 360, Duration: float64(frames) / 5, FPS: 25}
	if frames == 1 {
		fp = fingerprint.Fingerprint{Kind: media.KindImage, Format: "jpeg", Width: 800, Height: 600}
	}
	for i := 0; i < frames; i++ {
		f := fingerprint.Frame{T: float64(i) / 5, PDQ: randHash(r), Quality: 80 + i%20}
		if i%2 == 0 {
			f.Views = []fingerprint.View{{Name: "zoom90", PDQ: randHash(r), Quality: 70}, {Name: "crop1x1", PDQ: randHash(r), Quality: 65}}
		}
		fp.Frames = append(fp.Frames, f)
	}
	return Media{SHA256: hex.EncodeToString(sum[:]), Name: name, Note: "test", Fingerprint: fp}
}

func testCase(r *rand.Rand, id string) Case {
	return Case{
		ID: id, Title: "Title of " + id, Claim: "A claim", Rating: "False", Category: TransformedContent,
		Tags: []string{"ai-generated"}, FirstSeen: "2025-12",
		Media:      []Media{testMedia(r, id+"-a.mp4", 10)},
		FactChecks: []FactCheck{{Publisher: "Lead Stories", URL: "https://example.org/fc/" + id, Title: "Fact check", Rating: "False", Date: "2025-12-05", Language: "en"}},
	}
}

func TestStoreRoundTrip(t *testing.T) { forEachStore(t, testStoreRoundTrip) }

func testStoreRoundTrip(t *testing.T, open func(*testing.T) Store) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	s := open(t)
	c := testCase(r, "case-one")
	c.Media = append(c.Media, testMedia(r, "still.jpg", 1))
	if _, err := s.Upsert(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "case-one")
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != c.Title || got.Claim != c.Claim || got.Category != c.Category || got.FirstSeen != c.FirstSeen {
		t.Errorf("scalars differ: %+v", got)
	}
	if len(got.Media) != 2 || len(got.FactChecks) != 1 {
		t.Fatalf("media %d fact-checks %d", len(got.Media), len(got.FactChecks))
	}
	for i := range c.Media {
		want, have := c.Media[i].Fingerprint, got.Media[i].Fingerprint
		if len(want.Frames) != len(have.Frames) || want.Kind != have.Kind || want.Width != have.Width {
			t.Fatalf("media %d fingerprint differs", i)
		}
		for j := range want.Frames {
			if !reflect.DeepEqual(want.Frames[j], have.Frames[j]) {
				t.Fatalf("media %d frame %d: %+v != %+v", i, j, have.Frames[j], want.Frames[j])
			}
		}
	}
	if !reflect.DeepEqual(got.FactChecks[0], c.FactChecks[0]) {
		t.Errorf("fact-check %+v", got.FactChecks[0])
	}
	if got.CreatedAt.IsZero() || got.UpdatedAt.IsZero() || got.Media[0].AddedAt.IsZero() {
		t.Error("timestamps not set")
	}
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Media != 2 || list[0].Frames != 11 || list[0].FactChecks != 1 {
		t.Errorf("list %+v", list)
	}
}

func TestUpsertAppends(t *testing.T) { forEachStore(t, testUpsertAppends) }

func testUpsertAppends(t *testing.T, open func(*testing.T) Store) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	s := open(t)
	c := testCase(r, "x")
	if _, err := s.Upsert(ctx, c); err != nil {
		t.Fatal(err)
	}
	gen1, _ := s.Generation(ctx)
	more := Case{ID: "x", Tags: []string{"AI-GENERATED", "sora"},
		Media:      []Media{c.Media[0], testMedia(r, "repost.mp4", 4)},
		FactChecks: []FactCheck{{Publisher: "AFP Fact Check"}, {Publisher: "lead stories", URL: c.FactChecks[0].URL, Language: "en"}}}
	got, err := s.Upsert(ctx, more)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != c.Title {
		t.Errorf("title replaced by empty: %q", got.Title)
	}
	if strings.Join(got.Tags, ",") != "ai-generated,sora" {
		t.Errorf("tags %v", got.Tags)
	}
	if len(got.Media) != 2 {
		t.Errorf("media: want the duplicate skipped and one added, got %d", len(got.Media))
	}
	if len(got.FactChecks) != 2 || got.FactChecks[1].Publisher != "AFP Fact Check" {
		t.Errorf("fact-checks %+v", got.FactChecks)
	}
	stored, _ := s.Get(ctx, "x")
	if len(stored.Media) != 2 || len(stored.Media[1].Fingerprint.Frames) != 4 {
		t.Errorf("stored media %d", len(stored.Media))
	}
	if gen2, _ := s.Generation(ctx); gen2 <= gen1 {
		t.Errorf("generation did not advance: %d → %d", gen1, gen2)
	}
}

func TestInvalidUpsertChangesNothing(t *testing.T) { forEachStore(t, testInvalidUpsertChangesNothing) }

func testInvalidUpsertChangesNothing(t *testing.T, open func(*testing.T) Store) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(5, 6))
	s := open(t)
	if _, err := s.Upsert(ctx, testCase(r, "ok")); err != nil {
		t.Fatal(err)
	}
	bad := testCase(r, "ok")
	bad.FactChecks = []FactCheck{{Publisher: "X", URL: "javascript:alert(1)"}}
	bad.Media = []Media{testMedia(r, "new.mp4", 3)}
	_, err := s.Upsert(ctx, bad)
	if !IsValidation(err) || !strings.Contains(err.Error(), "fact_checks[1].url") {
		t.Fatalf("want a validation error naming the URL, got %v", err)
	}
	got, _ := s.Get(ctx, "ok")
	if len(got.Media) != 1 || len(got.FactChecks) != 1 {
		t.Errorf("failed upsert changed the case: %d media, %d fact-checks", len(got.Media), len(got.FactChecks))
	}
}

func TestRemove(t *testing.T) { forEachStore(t, testRemove) }

func testRemove(t *testing.T, open func(*testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	r := rand.New(rand.NewPCG(7, 8))
	s.Upsert(ctx, testCase(r, "gone"))
	if err := s.Remove(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get after remove: %v", err)
	}
	if err := s.Remove(ctx, "gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
	if n := countRows(t, s, "frames"); n != 0 {
		t.Errorf("%d orphan frames left", n)
	}
}

func TestBundleRoundTripAndImport(t *testing.T) { forEachStore(t, testBundleRoundTripAndImport) }

func testBundleRoundTripAndImport(t *testing.T, open func(*testing.T) Store) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(9, 10))
	src := open(t)
	for _, id := range []string{"a", "b", "c"} {
		if _, err := src.Upsert(ctx, testCase(r, id)); err != nil {
			t.Fatal(err)
		}
	}
	all, _ := src.All(ctx)
	var buf bytes.Buffer
	if err := NewBundle(all, all[0].UpdatedAt).WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	b, err := ReadBundle(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	dst := open(t)
	if err := dst.Import(ctx, b.Cases); err != nil {
		t.Fatal(err)
	}
	got, _ := dst.All(ctx)
	if len(got) != 3 {
		t.Fatalf("imported %d cases", len(got))
	}
	for i := range got {
		if got[i].ID != all[i].ID || len(got[i].Media[0].Fingerprint.Frames) != len(all[i].Media[0].Fingerprint.Frames) ||
			!reflect.DeepEqual(got[i].Media[0].Fingerprint.Frames[3], all[i].Media[0].Fingerprint.Frames[3]) {
			t.Errorf("case %d differs after import", i)
		}
	}
}

func TestBadBundles(t *testing.T) { forEachStore(t, testBadBundles) }

func testBadBundles(t *testing.T, open func(*testing.T) Store) {
	ctx := context.Background()
	tests := []struct {
		file string
		want []string
	}{
		{"bad-syntax.json", []string{"line 4:"}},
		{"bad-unknown-key.json", []string{`unknown field "colour"`}},
		{"bad-format.json", []string{"format:", "version:"}},
		{"bad-values.json", []string{"cases[0].id", "cases[0].fact_checks[0].url", "cases[2].id: \"dup\" already used by cases[1]",
			"cases[1].category", "cases[1].media[0].fingerprint.frames[1].t", "cases[1].media[0].sha256", "cases[1].fact_checks[0].date"}},
		{"bad-type.json", []string{"cases[0].title", "line 5"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := open(t)
			r := rand.New(rand.NewPCG(11, 12))
			s.Upsert(ctx, testCase(r, "existing"))
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, err = ReadBundle(f)
			if err == nil {
				t.Fatal("bad bundle accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			list, _ := s.List(ctx)
			if len(list) != 1 {
				t.Errorf("registry changed: %d cases", len(list))
			}
		})
	}
}

func TestImportIsAtomic(t *testing.T) { forEachStore(t, testImportIsAtomic) }

func testImportIsAtomic(t *testing.T, open func(*testing.T) Store) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(13, 14))
	s := open(t)
	s.Upsert(ctx, testCase(r, "keep"))
	good := testCase(r, "new-one")
	// The second case is invalid: nothing of the import may remain.
	broken := testCase(r, "keep")
	broken.Media[0] = testMedia(r, "other.mp4", 3)
	broken.Media[0].Fingerprint.Frames[0].T = -1
	err := s.Import(ctx, []Case{good, broken})
	if err == nil {
		t.Fatal("import with an invalid case succeeded")
	}
	if _, err := s.Get(ctx, "new-one"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the valid half of a failed import was kept: %v", err)
	}
}

func TestSchemaVersions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "reg.db")
	s, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, _ := sql.Open("sqlite", path)
	db.Exec("PRAGMA user_version = 99")
	db.Close()
	_, err = OpenSQLite(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("newer schema: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("this is not a database at all, just text that is long enough to look like a header..........."), 0o644)
	if _, err := OpenSQLite(ctx, junk); err == nil {
		t.Error("a text file opened as a registry")
	}
}

func TestSlugAndIDs(t *testing.T) {
	for in, want := range map[string]string{
		"AI-generated video of NYPD officers arresting ICE agents!": "ai-generated-video-of-nypd-officers-arresting-ice-agents",
		"  ¡¡¡ ":         "case",
		"Über Straße 12": "ber-stra-e-12",
	} {
		if got := Slug(in); got != want || !ValidID(got) {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"", "-x", "UPPER", "a b", "../etc", strings.Repeat("a", 101)} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}

func TestStopFrames(t *testing.T) { forEachStore(t, testStopFrames) }

func testStopFrames(t *testing.T, open func(*testing.T) Store) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(21, 22))
	s := open(t)
	c := testCase(r, "with-card")
	card := c.Media[0].Fingerprint.Frames[0].PDQ // the index leaves frames near it out: see index.TestLoadSnapshotStopFrames
	if _, err := s.Upsert(ctx, c); err != nil {
		t.Fatal(err)
	}
	near := card
	near[1] ^= 0xfff // 12 bits from the registered frame
	n, err := s.AddStopFrames(ctx, []StopFrame{{Source: "channel-intro.mp4", PDQ: near}, {Source: "channel-intro.mp4", PDQ: near}})
	if err != nil || n != 1 {
		t.Fatalf("add: %d %v", n, err)
	}
	if _, err := s.AddStopFrames(ctx, []StopFrame{{PDQ: near}}); !IsValidation(err) {
		t.Errorf("stop frame without source: %v", err)
	}
	// Stop frames travel in bundles.
	all, _ := s.All(ctx)
	stops, _ := s.StopFrames(ctx)
	b := NewBundle(all, time.Now())
	b.StopFrames = stops
	var buf bytes.Buffer
	b.WriteJSON(&buf)
	back, err := ReadBundle(&buf)
	if err != nil {
		t.Fatal(err)
	}
	dst := open(t)
	if err := dst.ImportBundle(ctx, back); err != nil {
		t.Fatal(err)
	}
	if got, _ := dst.StopFrames(ctx); len(got) != 1 || got[0].PDQ != near {
		t.Errorf("imported stop frames %+v", got)
	}
	if n, err := s.ClearStopFrames(ctx); n != 1 || err != nil {
		t.Errorf("clear: %d %v", n, err)
	}
}

// TestMigrationFromSchema1 opens a registry written at schema version 1 and
// checks it is brought up to date with its cases intact.
func TestMigrationFromSchema1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(migrations[0]); err != nil {
		t.Fatal(err)
	}
	db.Exec("PRAGMA user_version = 1")
	db.Exec(`INSERT INTO cases (id, title, created_at, updated_at) VALUES ('old', 'An old case', '2025-12-01T00:00:00Z', '2025-12-01T00:00:00Z')`)
	db.Close()
	s, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	s.db.QueryRow("PRAGMA user_version").Scan(&v)
	if v != SchemaVersion {
		t.Errorf("schema %d after migration, want %d", v, SchemaVersion)
	}
	if c, err := s.Get(ctx, "old"); err != nil || c.Title != "An old case" {
		t.Errorf("case lost in migration: %v %+v", err, c)
	}
	if _, err := s.AddStopFrames(ctx, []StopFrame{{Source: "x", PDQ: pdq.Hash{1}}}); err != nil {
		t.Errorf("new table missing: %v", err)
	}
}

// TestMigrationToSchema6 opens a registry written at schema version 5 (no
// signals table, no fingerprint versions, frames with pHash and dHash),
// with one medium fingerprinted with the zoom70 view and one without, and
// checks that nothing is lost and each medium gets the version its views
// show.
func TestMigrationToSchema6(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v5.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations[:5] {
		if _, err := db.Exec(m); err != nil {
			t.Fatal(err)
		}
	}
	stmts := []string{
		"PRAGMA user_version = 5",
		`INSERT INTO cases (id, title, created_at, updated_at) VALUES ('old', 'An old case', '2025-12-01T00:00:00Z', '2025-12-01T00:00:00Z')`,
		`INSERT INTO media (id, case_id, seq, sha256, name, added_at, kind, width, height, duration, fps) VALUES
			(1, 'old', 0, '` + strings.Repeat("a", 64) + `', 'new-views.jpg', '2025-12-01T00:00:00Z', 'image', 800, 600, 0, 0),
			(2, 'old', 1, '` + strings.Repeat("b", 64) + `', 'old-views.mp4', '2025-12-01T00:00:00Z', 'video', 640, 360, 1, 25)`,
		`INSERT INTO frames (media_id, seq, t, pdq, quality, phash, dhash) VALUES
			(1, 0, 0, '` + strings.Repeat("1", 64) + `', 90, '00000000000000ff', '000000000000ff00'),
			(2, 0, 0, '` + strings.Repeat("2", 64) + `', 80, '0000000000000001', '0000000000000002'),
			(2, 1, 0.2, '` + strings.Repeat("3", 64) + `', 70, '0000000000000003', '0000000000000004')`,
		`INSERT INTO views (media_id, frame_seq, seq, name, pdq, quality) VALUES
			(1, 0, 0, 'zoom80', '` + strings.Repeat("4", 64) + `', 88),
			(1, 0, 1, 'zoom70', '` + strings.Repeat("5", 64) + `', 87),
			(2, 0, 0, 'zoom80', '` + strings.Repeat("6", 64) + `', 77)`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	s, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	s.db.QueryRow("PRAGMA user_version").Scan(&v)
	if v != SchemaVersion {
		t.Errorf("schema %d after migration, want %d", v, SchemaVersion)
	}
	c, err := s.Get(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Media) != 2 {
		t.Fatalf("media %+v", c.Media)
	}
	a, b := c.Media[0], c.Media[1]
	if a.Version != "pdq/1 views/2" || b.Version != "pdq/1 views/1" {
		t.Errorf("versions %q, %q; want pdq/1 views/2 (has zoom70) and pdq/1 views/1", a.Version, b.Version)
	}
	if len(a.Fingerprint.Frames) != 1 || len(a.Fingerprint.Frames[0].Views) != 2 || a.Fingerprint.Frames[0].PDQ.String() != strings.Repeat("1", 64) ||
		a.Fingerprint.Frames[0].Quality != 90 || a.Fingerprint.Frames[0].Views[1].Quality != 87 ||
		len(b.Fingerprint.Frames) != 2 || len(b.Fingerprint.Frames[0].Views) != 1 || b.Fingerprint.Frames[1].Quality != 70 ||
		b.Fingerprint.Frames[1].T != 0.2 || b.Fingerprint.Frames[1].PDQ.String() != strings.Repeat("3", 64) {
		t.Errorf("fingerprints changed in migration: %+v %+v", a.Fingerprint, b.Fingerprint)
	}
	// Their pHash and dHash are dropped with their columns (schema 8).
	if sqliteHasColumn(t, s, "frames", "phash") || sqliteHasColumn(t, s, "frames", "dhash") {
		t.Error("frames keep their pHash and dHash columns")
	}
	list, err := s.List(ctx)
	if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0].Versions, []string{"pdq/1 views/1", "pdq/1 views/2"}) {
		t.Errorf("list: %+v %v", list, err)
	}
	// A signal of another type is stored and read back.
	m := testMedia(rand.New(rand.NewPCG(41, 42)), "with-signal.jpg", 1)
	m.Fingerprint.Frames[0].Signals = []fingerprint.Signal{{Type: "toy", Version: 3, Value: "abc", Quality: 60}}
	m.Version = "pdq/1 toy/3 views/2"
	if _, err := s.Upsert(ctx, Case{ID: "new", Title: "New", Media: []Media{m}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "new")
	if err != nil {
		t.Fatal(err)
	}
	if g := got.Media[0]; g.Version != m.Version || !reflect.DeepEqual(g.Fingerprint.Frames[0].Signals, m.Fingerprint.Frames[0].Signals) {
		t.Errorf("signal stored as %+v (%q)", g.Fingerprint.Frames[0].Signals, g.Version)
	}
}

// TestOldBundleImports: a bundle from before fingerprint versions (no
// fingerprint_version key) imports, and its media get the version their
// views show; a medium with a signal of another type keeps it (both
// backends).
func TestOldBundleImports(t *testing.T) { forEachStore(t, testOldBundleImports) }

func testOldBundleImports(t *testing.T, open func(*testing.T) Store) {
	ctx := context.Background()
	c := testCase(rand.New(rand.NewPCG(43, 44)), "old-bundle")
	var buf bytes.Buffer
	if err := NewBundle([]Case{c}, time.Now()).WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("fingerprint_version")) {
		t.Fatal("the bundle should have no versions, as old ones do")
	}
	b, err := ReadBundle(&buf)
	if err != nil {
		t.Fatal(err)
	}
	s := open(t)
	if err := s.ImportBundle(ctx, b); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Media[0].Version; v != "pdq/1 views/1" {
		t.Errorf("imported version %q, want pdq/1 views/1 (no zoom70 view)", v)
	}
	m := testMedia(rand.New(rand.NewPCG(41, 42)), "with-signal.jpg", 1)
	m.Fingerprint.Frames[0].Signals = []fingerprint.Signal{{Type: "toy", Version: 3, Value: "abc", Quality: 60}}
	m.Version = "pdq/1 toy/3 views/2"
	if _, err := s.Upsert(ctx, Case{ID: "new", Title: "New", Media: []Media{m}}); err != nil {
		t.Fatal(err)
	}
	back, err := s.Get(ctx, "new")
	if err != nil {
		t.Fatal(err)
	}
	if g := back.Media[0]; g.Version != m.Version || !reflect.DeepEqual(g.Fingerprint.Frames[0].Signals, m.Fingerprint.Frames[0].Signals) {
		t.Errorf("signal stored as %+v (%q)", g.Fingerprint.Frames[0].Signals, g.Version)
	}
	list, err := s.List(ctx)
	if err != nil || len(list) != 2 || !reflect.DeepEqual(list[0].Versions, []string{"pdq/1 toy/3 views/2"}) {
		t.Errorf("list: %+v %v", list, err)
	}
}

// TestBundleWithSmallHashesImports: a bundle exported before frames lost
// their pHash and dHash (testdata/old-small-hashes.json, written by that
// version) imports on both backends with every frame's time, PDQ hash,
// quality and views; bundles exported now carry no pHash or dHash.
func TestBundleWithSmallHashesImports(t *testing.T) {
	forEachStore(t, testBundleWithSmallHashesImports)
}

func testBundleWithSmallHashesImports(t *testing.T, open func(*testing.T) Store) {
	ctx := context.Background()
	raw, err := os.ReadFile(filepath.Join("testdata", "old-small-hashes.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(`"phash"`)) || !bytes.Contains(raw, []byte(`"dhash"`)) {
		t.Fatal("the old bundle should carry pHash and dHash")
	}
	// What the old bundle says of its frames, read without provcheck's types.
	var old struct {
		Cases []struct {
			Media []struct {
				Fingerprint struct {
					Frames []struct {
						T       float64 `json:"t"`
						PDQ     string  `json:"pdq"`
						Quality int     `json:"quality"`
						Views   []struct {
							Name string `json:"name"`
							PDQ  string `json:"pdq"`
						} `json:"views"`
					} `json:"frames"`
				} `json:"fingerprint"`
			} `json:"media"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &old); err != nil {
		t.Fatal(err)
	}
	b, err := ReadBundle(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("old bundle: %v", err)
	}
	s := open(t)
	if err := s.ImportBundle(ctx, b); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "old-small-hashes")
	if err != nil {
		t.Fatal(err)
	}
	frames := 0
	for i, m := range old.Cases[0].Media {
		gf := got.Media[i].Fingerprint.Frames
		if len(gf) != len(m.Fingerprint.Frames) {
			t.Fatalf("medium %d: %d frames, bundle has %d", i, len(gf), len(m.Fingerprint.Frames))
		}
		for j, f := range m.Fingerprint.Frames {
			g := gf[j]
			if g.T != f.T || g.PDQ.String() != f.PDQ || g.Quality != f.Quality || len(g.Views) != len(f.Views) {
				t.Errorf("medium %d frame %d: %+v, bundle %+v", i, j, g, f)
				continue
			}
			for k, v := range f.Views {
				if g.Views[k].Name != v.Name || g.Views[k].PDQ.String() != v.PDQ {
					t.Errorf("medium %d frame %d view %d: %+v, bundle %+v", i, j, k, g.Views[k], v)
				}
			}
			frames++
		}
	}
	if frames != 4 {
		t.Errorf("%d frames compared, want 4", frames)
	}
	all, err := s.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := NewBundle(all, time.Now()).WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out.Bytes(), []byte(`"phash"`)) || bytes.Contains(out.Bytes(), []byte(`"dhash"`)) {
		t.Error("an exported bundle carries pHash or dHash")
	}
}
