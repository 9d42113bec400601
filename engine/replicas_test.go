package engine

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/index"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/pgtest"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

func TestMain(m *testing.M) {
	if dsn := os.Getenv("PROVCHECK_TEST_IMPORTER"); dsn != "" {
		os.Exit(importer(dsn))
	}
	os.Exit(pgtest.Main(m))
}

// visibleWithin is how soon a write through one replica must be seen by
// checks on another.
const visibleWithin = 2 * time.Second

// replica is one engine following a shared registry, as a serve process
// does.
func replica(t *testing.T, ctx context.Context, open func() registry.Store) *Engine {
	t.Helper()
	cfg, err := rules.Defaults().Translate()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(ctx, cfg, Options{Store: open()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if _, err := e.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	go e.Watch(ctx, 250*time.Millisecond, nil, func(_, _ RegistryInfo, _ time.Duration, err error) {
		if err != nil && ctx.Err() == nil {
			t.Errorf("refresh: %v", err)
		}
	})
	return e
}

type storeOpener struct {
	name string
	open func(t *testing.T) func() registry.Store
}

var sharedStores = []storeOpener{
	{"sqlite", func(t *testing.T) func() registry.Store {
		path := filepath.Join(t.TempDir(), "shared.db")
		return func() registry.Store {
			s, err := registry.OpenSQLite(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}},
	{"postgres", func(t *testing.T) func() registry.Store {
		dsn := pgtest.DSN(t)
		return func() registry.Store {
			s, err := registry.OpenPostgres(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}},
}

// TestReplicasStayInStep registers a photo through one replica and waits
// for a second replica, with its own connection to the same registry, to
// match it; then removes it and waits for the match to go.
func TestReplicasStayInStep(t *testing.T) {
	for _, so := range sharedStores {
		t.Run(so.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			open := so.open(t)
			a, b := replica(t, ctx, open), replica(t, ctx, open)
			dir := t.TempDir()
			photo := filepath.Join(dir, "photo.jpg")
			if err := testmedia.WriteJPEG(photo, testmedia.Picture(11, 900, 600), 90); err != nil {
				t.Fatal(err)
			}
			fp, err := b.FingerprintQuery(ctx, photo, b.QuerySampling())
			if err != nil {
				t.Fatal(err)
			}
			verdict := func() rules.Verdict {
				snap, err := b.Snapshot(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return b.Evaluate(snap, fp).Verdict
			}
			if v := verdict(); v != rules.NoMatch {
				t.Fatalf("before registering: %s", v)
			}
			if _, err := a.Register(ctx, AddRequest{Case: registry.Case{ID: "shared", Title: "A shared case"}, Files: []string{photo}}); err != nil {
				t.Fatal(err)
			}
			took := waitFor(t, func() bool { return verdict() == rules.Match })
			t.Logf("%s: registered through one replica, matched by the other after %v", so.name, took)
			if took > visibleWithin {
				t.Errorf("the other replica matched the new case after %v (want ≤ %v)", took, visibleWithin)
			}
			if err := a.Store().Remove(ctx, "shared"); err != nil {
				t.Fatal(err)
			}
			took = waitFor(t, func() bool { return verdict() == rules.NoMatch })
			t.Logf("%s: removed through one replica, gone from the other after %v", so.name, took)
			if took > visibleWithin {
				t.Errorf("the removed case was still matched after %v (want ≤ %v)", took, visibleWithin)
			}
			if st := b.RefreshStats(); st.Count[kindDelta] < 2 || st.Count[kindFull] != 1 {
				t.Errorf("the replica should have loaded once and applied deltas: %+v", st)
			}
		})
	}
}

// waitFor polls cond until it holds, failing after 10 s; it returns how
// long that took.
func waitFor(t *testing.T, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("condition not reached after %v", time.Since(start))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// Kill -9 during an import.

const (
	killCases  = 120
	killFrames = 400
)

// bigBundle is a bundle large enough that importing it takes a while.
func bigBundle(seed uint64) registry.Bundle {
	r := rand.New(rand.NewPCG(seed, seed+1))
	b := registry.NewBundle(nil, time.Now())
	for i := range killCases {
		id := fmt.Sprintf("bulk-%03d", i)
		sum := sha256.Sum256([]byte(id))
		fp := fingerprint.Fingerprint{Kind: media.KindVideo, Format: "mp4", Width: 640, Height: 360, Duration: killFrames / 5, FPS: 25}
		for j := range killFrames {
			f := fingerprint.Frame{T: float64(j) / 5, PDQ: pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}, Quality: 90}
			f.Views = []fingerprint.View{{Name: "zoom90", PDQ: pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}, Quality: 80}}
			fp.Frames = append(fp.Frames, f)
		}
		b.Cases = append(b.Cases, registry.Case{ID: id, Title: "Bulk " + id,
			Media: []registry.Media{{SHA256: hex.EncodeToString(sum[:]), Name: id + ".mp4", Fingerprint: fp}}})
	}
	return b
}

// importer is the child process of TestKillDuringImport: it imports the
// big bundle into the registry at location and says when it starts.
func importer(location string) int {
	ctx := context.Background()
	s, err := registry.Open(ctx, location)
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	b := bigBundle(1)
	fmt.Println("begin")
	if err := s.ImportBundle(ctx, b); err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("done")
	return 0
}

// TestKillDuringImport kills an importing process with SIGKILL at several
// moments of its import: what was committed before stays, and the import
// is there whole or not at all — no case, medium or frame of it half
// written.
func TestKillDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts importing processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, so := range []struct {
		name     string
		location func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "reg.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.DSN(t) }},
	} {
		t.Run(so.name, func(t *testing.T) {
			ctx := context.Background()
			loc := so.location(t)
			s, err := registry.Open(ctx, loc)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			r := rand.New(rand.NewPCG(5, 6))
			keep := registry.Case{ID: "committed", Title: "Committed before", Media: []registry.Media{mediaOf(r, "keep", 30)}}
			if _, err := s.Upsert(ctx, keep); err != nil {
				t.Fatal(err)
			}
			killed := 0
			for _, delay := range []time.Duration{0, 30 * time.Millisecond, 120 * time.Millisecond, 400 * time.Millisecond} {
				cmd := exec.Command(exe, "-test.run=^$")
				cmd.Env = append(os.Environ(), "PROVCHECK_TEST_IMPORTER="+loc)
				out, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				lines := bufio.NewScanner(out)
				if !lines.Scan() || lines.Text() != "begin" {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("importer: %q", lines.Text())
				}
				time.Sleep(delay)
				cmd.Process.Signal(syscall.SIGKILL)
				rest := ""
				for lines.Scan() {
					rest += lines.Text()
				}
				cmd.Wait()
				finished := strings.Contains(rest, "done")
				if !finished {
					killed++
				}
				list, err := s.List(ctx)
				if err != nil {
					t.Fatal(err)
				}
				bulk, frames := 0, 0
				seen := false
				for _, c := range list {
					if c.ID == "committed" {
						seen = c.Frames == 30
						continue
					}
					if strings.HasPrefix(c.ID, "bulk-") {
						bulk++
						frames += c.Frames
					}
				}
				if !seen {
					t.Fatalf("after a kill at %v: the case committed before is gone or changed", delay)
				}
				if bulk != 0 && (bulk != killCases || frames != killCases*killFrames) {
					t.Fatalf("after a kill at %v: a partial import: %d of %d cases, %d frames", delay, bulk, killCases, frames)
				}
				if finished && bulk == 0 {
					t.Fatalf("the importer said done but nothing is there")
				}
				t.Logf("killed after %v: import %s (%d cases)", delay, map[bool]string{true: "finished first", false: "interrupted, nothing of it kept"}[finished], bulk)
				if bulk > 0 {
					// Start again from an empty import for the next kill.
					for i := range killCases {
						if err := s.Remove(ctx, fmt.Sprintf("bulk-%03d", i)); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			if killed == 0 {
				t.Errorf("every import finished before its kill; the test proved nothing")
			}
			// The registry still takes writes and its change log is whole.
			if _, err := s.Upsert(ctx, registry.Case{ID: "after", Title: "After the kills", Media: []registry.Media{mediaOf(r, "after", 3)}}); err != nil {
				t.Fatal(err)
			}
			snap, err := index.LoadSnapshot(ctx, s, index.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if snap.CaseCount() != 2 {
				t.Errorf("%d cases after the kills, want 2", snap.CaseCount())
			}
		})
	}
}

func mediaOf(r *rand.Rand, name string, frames int) registry.Media {
	sum := sha256.Sum256([]byte(name + strconv.Itoa(frames)))
	fp := fingerprint.Fingerprint{Kind: media.KindVideo, Format: "mp4", Width: 640, Height: 360, Duration: float64(frames) / 5, FPS: 25}
	for j := range frames {
		fp.Frames = append(fp.Frames, fingerprint.Frame{T: float64(j) / 5, PDQ: pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}, Quality: 90})
	}
	return registry.Media{SHA256: hex.EncodeToString(sum[:]), Name: name, Fingerprint: fp}
}
