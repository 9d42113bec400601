package batch

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/report"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// fixture is a registry holding one debunked photo, and the originals the
// tests copy into their directories: that photo, two unrelated pictures, a
// short clip, a corrupt JPEG, and ten small pictures pic0.jpg … pic9.jpg.
type fixture struct {
	orig string
	e    *engine.Engine
}

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fix != nil {
		fix.e.Close()
		os.RemoveAll(fix.orig)
	}
	os.Exit(code)
}

func getFixture(t testing.TB) *fixture {
	t.Helper()
	fixOnce.Do(func() { fix, fixErr = buildFixture() })
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	// Each test gets an engine of its own on the shared registry: the
	// engine's fingerprint cache, which makes a run fingerprint each
	// content once, starts empty as it does for a command.
	e, err := engine.New(context.Background(), fix.e.Config(), engine.Options{Store: fix.e.Store()})
	if err != nil {
		t.Fatal(err)
	}
	f := *fix
	f.e = e
	return &f
}

func buildFixture() (*fixture, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "provcheck-scan-")
	if err != nil {
		return nil, err
	}
	p := func(n string) string { return filepath.Join(dir, n) }
	steps := []func() error{
		func() error { return testmedia.WriteJPEG(p("photo.jpg"), testmedia.Picture(21, 320, 240), 90) },
		func() error { return testmedia.WritePNG(p("other1.png"), testmedia.Picture(22, 320, 240)) },
		func() error { return testmedia.WriteJPEG(p("other2.jpg"), testmedia.Picture(23, 320, 240), 85) },
		func() error {
			return testmedia.WriteVideo(ctx, p("clip.mp4"), testmedia.VideoSpec{Seed: 5, W: 160, H: 90, FPS: 10, Seconds: 1.5, Scene: 1})
		},
		func() error {
			b, err := os.ReadFile(p("other2.jpg"))
			if err != nil {
				return err
			}
			return os.WriteFile(p("corrupt.jpg"), b[:len(b)/2], 0o644)
		},
	}
	for i := range 10 {
		steps = append(steps, func() error {
			return testmedia.WriteJPEG(p(fmt.Sprintf("pic%d.jpg", i)), testmedia.Picture(uint64(30+i), 160, 120), 88)
		})
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	cfg, err := rules.Defaults().Translate()
	if err != nil {
		return nil, err
	}
	cfg.Registry = filepath.Join(dir, "registry.db")
	e, err := engine.New(ctx, cfg, engine.Options{})
	if err != nil {
		return nil, err
	}
	_, err = e.Register(ctx, engine.AddRequest{
		Case: registry.Case{ID: "debunked-photo", Title: "A debunked photo", Rating: "False",
			FactChecks: []registry.FactCheck{{Publisher: "Example Checks", URL: "https://example.org/fc/photo", Date: "2025-12-05"}}},
		Files: []string{p("photo.jpg")},
	})
	if err != nil {
		return nil, err
	}
	return &fixture{orig: dir, e: e}, nil
}

// layout builds a directory: name → original to copy ("" for an empty
// file). Subdirectories are created as needed.
func (f *fixture) layout(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		var b []byte
		if src != "" {
			var err error
			if b, err = os.ReadFile(filepath.Join(f.orig, src)); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// counting counts the files the scan fingerprints, and can act after the
// n-th one (to interrupt a scan at a known point).
type counting struct {
	Checker
	mu    sync.Mutex
	calls map[string]int
	n     int
	after func(ctx context.Context, n int)
}

func newCounting(c Checker) *counting { return &counting{Checker: c, calls: map[string]int{}} }

func (c *counting) CheckFile(ctx context.Context, path string, opt engine.CheckOptions) (engine.Checked, error) {
	res, err := c.Checker.CheckFile(ctx, path, opt)
	if !res.Fingerprinted {
		return res, err
	}
	c.mu.Lock()
	c.calls[path]++
	c.n++
	n := c.n
	c.mu.Unlock()
	if c.after != nil {
		c.after(ctx, n)
	}
	return res, err
}

func (c *counting) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// scanTo runs a scan writing to a buffer and returns the summary and the
// reports written.
func scanTo(t testing.TB, ctx context.Context, c Checker, opt Options) (Summary, []engine.Report, []byte) {
	t.Helper()
	var out bytes.Buffer
	if opt.OutputFile == "" {
		opt.Out = &out
	}
	sum, err := Run(ctx, c, opt)
	if err != nil {
		t.Fatal(err)
	}
	b := out.Bytes()
	if opt.OutputFile != "" {
		var rerr error
		if b, rerr = os.ReadFile(opt.OutputFile); rerr != nil {
			t.Fatal(rerr)
		}
	}
	return sum, parseReports(t, b, opt.Format), b
}

// parseReports reads jsonl or csv output back (csv rows become reports with
// the fields the csv has).
func parseReports(t testing.TB, b []byte, f report.Format) []engine.Report {
	t.Helper()
	var reps []engine.Report
	if f == report.CSV {
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatalf("csv output: %v\n%s", err, b)
		}
		if len(recs) == 0 || !slices.Equal(recs[0], report.CSVHeader) {
			t.Fatalf("csv output does not start with the header:\n%s", b)
		}
		for _, r := range recs[1:] {
			rep := engine.Report{File: r[0], Kind: engine.Kind(r[1]), Verdict: rules.Verdict(r[2]), Action: r[3], Error: r[8]}
			if r[4] != "" {
				rep.Matches = []engine.Match{{EntryID: r[4]}}
			}
			reps = append(reps, rep)
		}
		return reps
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		var r engine.Report
		if err := dec.Decode(&r); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("jsonl output: %v\n%s", err, b)
		}
		reps = append(reps, r)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Fatalf("output does not end with a line break")
	}
	return reps
}

// byFile indexes reports by file, failing on a file reported twice.
func byFile(t testing.TB, reps []engine.Report) map[string]engine.Report {
	t.Helper()
	m := map[string]engine.Report{}
	for _, r := range reps {
		if _, dup := m[r.File]; dup {
			t.Errorf("%s reported twice", r.File)
		}
		m[r.File] = r
	}
	return m
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
