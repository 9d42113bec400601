package index

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/registry"
)

// fileFixture is a SQLite registry of random clips (enough hashes for the
// MIH tables) and three pictures with local features, with the snapshot
// loaded whole from it.
type fileFixture struct {
	store  *registry.SQLite
	opts   Options
	mem    *Snapshot
	probes []pdq.Hash
	local  []*orb.Features
}

func newFileFixture(t *testing.T, clips int) *fileFixture {
	t.Helper()
	ctx := context.Background()
	s, err := registry.OpenSQLite(ctx, filepath.Join(t.TempDir(), "reg.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r := rand.New(rand.NewPCG(61, 62))
	var cases []registry.Case
	fx := &fileFixture{store: s, opts: Options{MinQuality: 70, StopDistance: 31}}
	for i := range clips {
		c := testCase(r, fmt.Sprintf("clip-%04d", i))
		if i%7 == 0 { // a second medium
			c.Media = append(c.Media, testMedia(r, "second.mp4", 3))
		}
		cases = append(cases, c)
		fx.probes = append(fx.probes, c.Media[0].Fingerprint.Frames[r.IntN(10)].PDQ)
	}
	for i := range 3 {
		c, f := localCase(fmt.Sprintf("local-%d", i), uint64(10+i))
		c.Title, c.Media[0].SHA256 = "Picture", fmt.Sprintf("%064x", 10+i)
		cases = append(cases, c)
		fx.local = append(fx.local, f)
	}
	if err := s.Import(ctx, cases); err != nil {
		t.Fatal(err)
	}
	if fx.mem, err = LoadSnapshot(ctx, s, fx.opts); err != nil {
		t.Fatal(err)
	}
	return fx
}

// open maps the file and builds its snapshot as the engine does.
func (fx *fileFixture) open(t *testing.T, path string) *Snapshot {
	t.Helper()
	f, err := OpenFile(path, fx.opts)
	if err != nil {
		t.Fatal(err)
	}
	o := fx.opts
	if o.Stop, err = fx.store.StopFrames(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f.Snapshot(fx.store, o)
}

// hitsOf are a snapshot's hits of q named by case id, read from the store
// first for a snapshot on a file.
// manyHits searches qs in one SearchMany of s's index: every query's hits,
// sorted.
func manyHits(s *Snapshot, qs []pdq.Hash, d int) map[int][]Hit {
	out := map[int][]Hit{}
	s.Index.SearchMany(qs, d, func(i int, h Hit) { out[i] = append(out[i], h) })
	for i := range out {
		slices.SortFunc(out[i], func(a, b Hit) int {
			return cmp.Or(cmp.Compare(a.Case, b.Case), cmp.Compare(a.Media, b.Media), cmp.Compare(a.Frame, b.Frame), cmp.Compare(a.Distance, b.Distance))
		})
	}
	return out
}

func hitsOf(t *testing.T, s *Snapshot, q pdq.Hash, d int) []hitKey {
	t.Helper()
	var hits []Hit
	s.Index.SearchMany([]pdq.Hash{q}, d, func(_ int, h Hit) { hits = append(hits, h) })
	var ps []int32
	for _, h := range hits {
		ps = append(ps, h.Case)
	}
	if err := s.Fetch(context.Background(), ps); err != nil {
		t.Fatal(err)
	}
	// Hits of cases the store no longer holds as indexed are dropped, as
	// matching drops them.
	hits = slices.DeleteFunc(hits, func(h Hit) bool { return s.Case(h.Case) == nil })
	return hitKeys(s, hits)
}

func localHitsOf(t *testing.T, s *Snapshot, f *orb.Features) []string {
	var out []string
	for _, h := range s.Local.Query(f, true) {
		r := RefOfLocal(h.Ref)
		if err := s.Fetch(context.Background(), []int32{r.Case}); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s/%d/%d:%d", s.Case(r.Case).ID, r.Media, r.Frame, h.Match.Inliers))
	}
	return out
}

// TestFileSameAsMemory: a snapshot on an index file finds exactly what the
// snapshot in memory it was written from finds — PDQ hits (by the tables
// and by the linear fallback), references, local-feature hits — and its
// cases, read from the store, are the same.
func TestFileSameAsMemory(t *testing.T) {
	fx := newFileFixture(t, 400)
	path := filepath.Join(t.TempDir(), "reg.index")
	if err := WriteFile(path, fx.mem); err != nil {
		t.Fatal(err)
	}
	if err := VerifyFile(path, fx.opts); err != nil {
		t.Fatal(err)
	}
	fs := fx.open(t, path)
	if !fs.OnFile() || fs.Index.Len() != fx.mem.Index.Len() || fs.CaseCount() != fx.mem.CaseCount() || fs.Generation != fx.mem.Generation {
		t.Fatalf("file: %d hashes %d cases gen %d; memory: %d, %d, %d", fs.Index.Len(), fs.CaseCount(), fs.Generation,
			fx.mem.Index.Len(), fx.mem.CaseCount(), fx.mem.Generation)
	}
	if !fx.mem.layers.base.tables {
		t.Fatal("the fixture is too small for MIH tables")
	}
	for _, d := range []int{0, 31, 120} {
		for _, q := range fx.probes {
			if got, want := hitsOf(t, fs, q, d), hitsOf(t, fx.mem, q, d); !slices.Equal(got, want) || len(want) == 0 {
				t.Fatalf("distance %d: %v, want %v", d, got, want)
			}
		}
		if d == 0 && (fs.Fetched() == 0 || fs.Fetched() > len(fx.probes)) {
			t.Errorf("%d of %d cases read from the store for %d probes", fs.Fetched(), fs.CaseCount(), len(fx.probes))
		}
	}
	// Every probe and some random queries in one SearchMany: the file
	// verifies their candidates in one pass over its hashes, and scans
	// for those whose plan is a linear scan (d=120), in the same pass.
	r := rand.New(rand.NewPCG(91, 92))
	qs := slices.Clone(fx.probes)
	for range 5 {
		qs = append(qs, randHash(r))
	}
	for _, d := range []int{31, 45, 120} {
		got, want := manyHits(fs, qs, d), manyHits(fx.mem, qs, d)
		total := 0
		for i := range qs {
			if !slices.Equal(got[i], want[i]) {
				t.Fatalf("SearchMany, distance %d, query %d: %v, want %v", d, i, got[i], want[i])
			}
			total += len(want[i])
		}
		if total == 0 {
			t.Fatalf("SearchMany, distance %d: no hits: the queries test nothing", d)
		}
	}
	for i, f := range fx.local {
		got, want := localHitsOf(t, fs, f), localHitsOf(t, fx.mem, f)
		if !slices.Equal(got, want) || len(want) == 0 || want[0][:7] != fmt.Sprintf("local-%d", i) {
			t.Fatalf("local %d: %v, want %v", i, got, want)
		}
	}
	var vm, vf []string
	fx.mem.MediaVersions(func(v string) { vm = append(vm, v) })
	fs.MediaVersions(func(v string) { vf = append(vf, v) })
	if !slices.Equal(vm, vf) || len(vm) != fx.mem.CaseCount()+400/7+1 {
		t.Errorf("media versions: %d from the file, %d in memory", len(vf), len(vm))
	}
	// Every reference resolves to the one the snapshot in memory gives,
	// and names a frame that has the hash (as itself or a view).
	x, mx := fs.layers.base, fx.mem.layers.base
	for id := range x.Len() {
		r := mx.ref(id)
		if x.ref(id) != r {
			t.Fatalf("hash %d: ref %+v, want %+v", id, x.ref(id), r)
		}
		f := &fx.mem.Cases[r.Case].Media[r.Media].Fingerprint.Frames[r.Frame]
		has := f.PDQ == mx.hashes[id]
		for _, v := range f.Views {
			has = has || v.PDQ == mx.hashes[id]
		}
		if !has {
			t.Fatalf("hash %d: ref %+v names a frame without it", id, r)
		}
	}
}

// TestFileApplyChanges: changes applied to a snapshot on a file (a write
// after the file was made) are seen — the new case found, a removed and a
// replaced one gone — as they are by a snapshot loaded whole.
func TestFileApplyChanges(t *testing.T) {
	fx := newFileFixture(t, 100)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "reg.index")
	if err := WriteFile(path, fx.mem); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(63, 64))
	added := testCase(r, "clip-new")
	if _, err := fx.store.Upsert(ctx, added); err != nil {
		t.Fatal(err)
	}
	if err := fx.store.Remove(ctx, "clip-0003"); err != nil {
		t.Fatal(err)
	}
	changed := testCase(r, "clip-0005") // its frames replaced
	if err := fx.store.Remove(ctx, "clip-0005"); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.store.Upsert(ctx, changed); err != nil {
		t.Fatal(err)
	}
	fs := fx.open(t, path)
	old := fs
	ch, err := fx.store.Changes(ctx, fs.Generation)
	if err != nil {
		t.Fatal(err)
	}
	if fs = fs.Apply(ch); fs == nil {
		t.Fatal("Apply asked for a reload")
	}
	want, err := LoadSnapshot(ctx, fx.store, fx.opts)
	if err != nil {
		t.Fatal(err)
	}
	probes := append(slices.Clone(fx.probes), added.Media[0].Fingerprint.Frames[0].PDQ, changed.Media[0].Fingerprint.Frames[0].PDQ)
	for _, q := range probes {
		for _, d := range []int{0, 31} {
			if got, exp := hitsOf(t, fs, q, d), hitsOf(t, want, q, d); !slices.Equal(got, exp) {
				t.Fatalf("distance %d: %v, want %v", d, got, exp)
			}
		}
	}
	if fs.CaseCount() != want.CaseCount() || fs.Index.Len() != want.Index.Len() {
		t.Errorf("%d cases %d hashes, want %d, %d", fs.CaseCount(), fs.Index.Len(), want.CaseCount(), want.Index.Len())
	}
	if got := hitsOf(t, fs, fx.probes[3], 0); len(got) != 0 {
		t.Errorf("the removed case is found: %v", got)
	}
	// The snapshot the changes were applied to is untouched; the cases
	// changed in the store since its file are not read from the store as
	// if they were the ones it indexed.
	if got := hitsOf(t, old, fx.probes[5], 0); len(got) != 0 {
		t.Errorf("the old snapshot reports a case changed since: %v", got)
	}
	if got := hitsOf(t, old, fx.probes[6], 0); len(got) != 1 {
		t.Errorf("the old snapshot finds %v", got)
	}
	// A stop-list change needs every case: the caller reloads.
	if _, err := fx.store.AddStopFrames(ctx, []registry.StopFrame{{Source: "x", PDQ: fx.probes[7]}}); err != nil {
		t.Fatal(err)
	}
	ch, err = fx.store.Changes(ctx, fs.Generation)
	if err != nil {
		t.Fatal(err)
	}
	if fs.Apply(ch) != nil {
		t.Error("a stop-list change was applied to a snapshot on a file")
	}
}

// TestFileDamaged: a truncated, cut, overwritten or foreign file, or one of
// another format or made with other options, is refused with the right
// error — never used — and VerifyFile finds damage in the largest sections
// that opening does not read.
func TestFileDamaged(t *testing.T) {
	fx := newFileFixture(t, 300)
	dir := t.TempDir()
	path := filepath.Join(dir, "reg.index")
	if err := WriteFile(path, fx.mem); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := OpenFile(path, fx.opts)
	if err != nil {
		t.Fatal(err)
	}
	sec := map[string]fileSection{}
	for _, s := range f.hdr.Sections {
		sec[s.Name] = s
	}
	flip := func(off int64) func([]byte) []byte {
		return func(b []byte) []byte { b[off] ^= 0x40; return b }
	}
	for _, tc := range []struct {
		name   string
		change func([]byte) []byte
		opts   Options
		want   error
		verify bool // opens, but VerifyFile finds it
	}{
		{name: "truncated", change: func(b []byte) []byte { return b[:len(b)-100] }, want: ErrFileDamaged},
		{name: "cut in the header", change: func(b []byte) []byte { return b[:30] }, want: ErrFileDamaged},
		{name: "empty", change: func(b []byte) []byte { return nil }, want: ErrFileDamaged},
		{name: "extended", change: func(b []byte) []byte { return append(b, 0) }, want: ErrFileDamaged},
		{name: "magic", change: flip(2), want: ErrFileDamaged},
		{name: "format version", change: flip(8), want: ErrFileStale},
		{name: "header byte", change: flip(40), want: ErrFileDamaged},
		{name: "case ids", change: flip(sec["case.ids"].Off + 3), want: ErrFileDamaged},
		{name: "frame starts", change: flip(sec["frame.start"].Off + 9), want: ErrFileDamaged},
		{name: "mih bucket bounds", change: flip(sec["mih.dir"].Off + 4*100), want: ErrFileDamaged},
		{name: "local frames", change: flip(sec["local.frames"].Off + 8), want: ErrFileDamaged},
		{name: "other options", opts: Options{MinQuality: 71, StopDistance: 31}, want: ErrFileStale},
		{name: "a hash", change: flip(sec["hashes"].Off + 100), verify: true},
		{name: "a table entry", change: func(b []byte) []byte { o := sec["mih.ent"].Off + 400; b[o+3] = 0xff; return b }, verify: true},
		{name: "a local link", change: func(b []byte) []byte { o := sec["local.next.0"].Off + 40; b[o+3] = 0x7f; return b }, verify: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := slices.Clone(good)
			if tc.change != nil {
				b = tc.change(b)
			}
			p := filepath.Join(dir, "damaged.index")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			o := fx.opts
			if tc.opts.MinQuality != 0 {
				o = tc.opts
			}
			f, err := OpenFile(p, o)
			if tc.verify {
				old := bigSection
				bigSection = 1 << 10
				defer func() { bigSection = old }()
				f, err = OpenFile(p, o)
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				if err := VerifyFile(p, o); !errors.Is(err, ErrFileDamaged) {
					t.Fatalf("VerifyFile: %v", err)
				}
				// Searching a damaged file gives answers, not a crash.
				s := f.Snapshot(fx.store, o)
				for _, q := range fx.probes[:50] {
					hitsOf(t, s, q, 31)
				}
				for _, lf := range fx.local {
					s.Local.Query(lf, true)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := OpenFile(filepath.Join(dir, "missing.index"), fx.opts); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// TestFileReplacedUnderReaders: readers open and search the file in a
// loop while a writer replaces it with files of new generations; every
// open succeeds with a whole file of one of the generations written, and
// every search of a mapped file keeps working after it is replaced. No
// temporary file is left behind.
func TestFileReplacedUnderReaders(t *testing.T) {
	fx := newFileFixture(t, 150)
	dir := t.TempDir()
	path := filepath.Join(dir, "reg.index")
	if err := WriteFile(path, fx.mem); err != nil {
		t.Fatal(err)
	}
	want := hitsOf(t, fx.mem, fx.probes[0], 31)
	var stop atomic.Bool
	var opens atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var held []*Snapshot
			var files []*File
			for !stop.Load() {
				f, err := OpenFile(path, fx.opts)
				if err != nil {
					errs <- err
					return
				}
				opens.Add(1)
				s := f.Snapshot(fx.store, fx.opts)
				held, files = append(held, s), append(files, f)
				for _, s := range held {
					var n int
					s.Index.SearchMany([]pdq.Hash{fx.probes[0]}, 31, func(int, Hit) { n++ })
					if n != len(want) {
						errs <- fmt.Errorf("%d hits, want %d", n, len(want))
						return
					}
				}
				if len(held) > 20 {
					unmapFile(files[0].data, files[0].fd)
					held, files = held[1:], files[1:]
				}
			}
		}()
	}
	snap := fx.mem
	for gen := range 15 {
		s := *snap
		s.Generation = int64(100 + gen)
		if err := WriteFile(path, &s); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if opens.Load() == 0 {
		t.Fatal("no reader opened the file")
	}
	f, err := OpenFile(path, fx.opts)
	if err != nil || f.Generation != 114 {
		t.Fatalf("last file: %v, generation %v", err, f)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
