package batch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/report"
	"github.com/provcheck/provcheck/rules"
)

// TestMixedDirectory: every file of a directory with good, duplicate,
// corrupt, empty, unreadable and non-media files gets exactly one line,
// and each distinct content is fingerprinted once.
func TestMixedDirectory(t *testing.T) {
	f := getFixture(t)
	dir := t.TempDir()
	f.layout(t, dir, map[string]string{
		"photo.jpg":                     "photo.jpg",
		"photo-copy.jpg":                "photo.jpg",
		"nested/deeper/photo-again.jpg": "photo.jpg",
		"other1.png":                    "other1.png",
		"nested/other1-copy.png":        "other1.png",
		"clip.mp4":                      "clip.mp4",
		"nested/clip-copy.mov":          "clip.mp4", // the name does not decide the kind
		"corrupt.jpg":                   "corrupt.jpg",
		"corrupt-copy.jpg":              "corrupt.jpg",
		"empty.jpg":                     "",
		"nested/empty2.jpg":             "",
		"notes.txt":                     "",
		"frame.jpg/inside.jpg":          "other2.jpg", // a directory named like a file
	})
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("a text file, not media\n"), 0o644)
	// Unreadable files. Permission bits do not stop root, so a named pipe
	// (which would block a reader forever) is used either way.
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.jpg"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantErr := map[string]string{
		"corrupt.jpg": "", "corrupt-copy.jpg": "", "empty.jpg": "empty", "nested/empty2.jpg": "empty",
		"notes.txt": "not an image or video", "pipe.jpg": "named pipe",
	}
	if os.Geteuid() != 0 {
		f.layout(t, dir, map[string]string{"locked.jpg": "photo.jpg", "locked-dir/x.jpg": "photo.jpg"})
		os.Chmod(filepath.Join(dir, "locked.jpg"), 0)
		os.Chmod(filepath.Join(dir, "locked-dir"), 0)
		t.Cleanup(func() { os.Chmod(filepath.Join(dir, "locked-dir"), 0o755) })
		wantErr["locked.jpg"] = "permission denied"
		wantErr["locked-dir"] = "permission denied"
	} else {
		t.Log("running as root: permission bits do not stop reads, the named pipe stands for an unreadable file")
	}

	c := newCounting(getFixture(t).e) // a fresh cache
	sum, reps, _ := scanTo(t, context.Background(), c, Options{Paths: []string{dir}, Workers: 4})
	got := byFile(t, reps)

	// Exactly the files (and unreadable directories) of the tree.
	var want []string
	distinct := map[[32]byte]bool{}
	fingerprintable := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == dir {
			if err != nil {
				want = append(want, p)
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		want = append(want, p)
		if !d.Type().IsRegular() || strings.Contains(p, "locked") {
			return nil // never read a named pipe: it blocks
		}
		if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
			distinct[sha256.Sum256(b)] = true
			fingerprintable++
		}
		return nil
	})
	slices.Sort(want)
	want = slices.Compact(want)
	if !slices.Equal(keys(got), want) {
		t.Fatalf("reported files:\n%v\nwant:\n%v", keys(got), want)
	}

	for _, file := range want {
		rel, _ := filepath.Rel(dir, file)
		r := got[file]
		sub, isErr := wantErr[rel]
		switch {
		case isErr && !r.Failed():
			t.Errorf("%s: no error: %+v", rel, r)
		case isErr && !strings.Contains(r.Error, sub):
			t.Errorf("%s: error %q, want it to mention %q", rel, r.Error, sub)
		case !isErr && r.Failed():
			t.Errorf("%s: %s", rel, r.Error)
		}
	}
	for _, rel := range []string{"photo.jpg", "photo-copy.jpg", "nested/deeper/photo-again.jpg"} {
		r := got[filepath.Join(dir, rel)]
		if r.Verdict != rules.Match || len(r.Matches) == 0 || r.Matches[0].EntryID != "debunked-photo" {
			t.Errorf("%s: %s %+v", rel, r.Verdict, r.Matches)
		}
	}
	for _, rel := range []string{"clip.mp4", "nested/clip-copy.mov"} {
		if r := got[filepath.Join(dir, rel)]; r.Kind != engine.KindVideo || r.Duration < 1 || r.Verdict != rules.NoMatch {
			t.Errorf("%s: %+v", rel, r)
		}
	}

	// Each distinct content fingerprinted once, duplicates never.
	for p, n := range c.calls {
		if n != 1 {
			t.Errorf("%s fingerprinted %d times", p, n)
		}
	}
	if c.total() != len(distinct) {
		t.Errorf("%d files fingerprinted, %d distinct contents", c.total(), len(distinct))
	}
	if sum.Fingerprinted != len(distinct) || sum.Duplicates != fingerprintable-len(distinct) {
		t.Errorf("summary: %d fingerprinted, %d duplicates; want %d, %d", sum.Fingerprinted, sum.Duplicates, len(distinct), fingerprintable-len(distinct))
	}
	if sum.Files != len(want) || sum.Errors != len(wantErr) || sum.Matches != 3 || sum.Videos != 2 || sum.Interrupted {
		t.Errorf("summary %+v", sum)
	}
	if !sum.Failed() {
		t.Error("summary says no file failed")
	}
}

// canonical is a report with its timing removed, as one comparable string.
func canonical(t testing.TB, reps []engine.Report) []string {
	t.Helper()
	var s []string
	for _, r := range reps {
		r.ElapsedMS = 0
		b, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		s = append(s, string(b))
	}
	slices.Sort(s)
	return s
}

// resumeDir is a directory for the resume tests: twenty files, among them
// duplicates, errors (no video: they are slow to check, and resuming does
// not depend on the kind) and a name with a quote and a line break (a csv
// record over two lines).
func resumeDir(t *testing.T, f *fixture) string {
	dir := t.TempDir()
	files := map[string]string{
		"a/photo.jpg": "photo.jpg", "a/photo-2.jpg": "photo.jpg", "a/other1.png": "other1.png",
		"b/other2.jpg": "other2.jpg", "b/other2-copy.jpg": "other2.jpg", "b/corrupt.jpg": "corrupt.jpg",
		"b/empty.jpg": "", "c/one.png": "other1.png",
		"c/odd \"name\"\nwith a line break.jpg": "photo.jpg",
		"d/x4.png":                              "other1.png",
	}
	for i := range 10 {
		files[fmt.Sprintf("e/pic%d.jpg", i)] = fmt.Sprintf("pic%d.jpg", i)
	}
	f.layout(t, dir, files)
	return dir
}

// wholeLines is b without a record cut short at its end.
func wholeLines(t *testing.T, b []byte, f report.Format) []byte {
	t.Helper()
	b = b[:bytes.LastIndexByte(b, '\n')+1]
	if f == report.CSV && bytes.Count(b, []byte{'"'})%2 == 1 {
		// Cut inside a quoted line break: drop back to the record start.
		i := bytes.LastIndex(b, []byte("\n\""))
		b = b[:i+1]
	}
	if f == report.CSV && len(b) == 0 {
		t.Fatal("cut inside the header")
	}
	return b
}

// TestResume: a scan interrupted (by cancellation, with in-flight files
// finished or abandoned, or by a kill that cut the last line) and then
// resumed writes the same set of lines, each once, as a scan that ran
// through.
func TestResume(t *testing.T) {
	f := getFixture(t)
	dir := resumeDir(t, f)
	for _, format := range []report.Format{report.JSONL, report.CSV} {
		t.Run(string(format), func(t *testing.T) {
			full := filepath.Join(t.TempDir(), "full")
			fullSum, fullReps, fullBytes := scanTo(t, context.Background(), f.e, Options{Paths: []string{dir}, Format: format, OutputFile: full})
			if fullSum.Files != 20 || fullSum.Interrupted {
				t.Fatalf("uninterrupted scan: %+v", fullSum)
			}
			want := canonical(t, fullReps)

			check := func(t *testing.T, out string, before int) {
				t.Helper()
				sum, reps, _ := scanTo(t, context.Background(), f.e, Options{Paths: []string{dir}, Format: format, OutputFile: out, Resume: true})
				if got := canonical(t, reps); !slices.Equal(got, want) {
					t.Errorf("after resuming:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				if sum.Interrupted || sum.Previous.Files != before || sum.Files != 20-before {
					t.Errorf("resumed after %d lines: summary %+v", before, sum)
				}
			}

			for _, grace := range []time.Duration{time.Minute, 0} {
				t.Run("cancelled/grace="+grace.String(), func(t *testing.T) {
					out := filepath.Join(t.TempDir(), "out")
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					c := newCounting(getFixture(t).e) // a fresh cache
					c.after = func(fctx context.Context, n int) {
						if n == 3 {
							cancel()
							if grace == 0 {
								<-fctx.Done() // abandoned at once
							}
						}
					}
					sum, reps, _ := scanTo(t, ctx, c, Options{Paths: []string{dir}, Format: format, OutputFile: out, Grace: grace, Workers: 2})
					if !sum.Interrupted || len(reps) >= 20 || len(reps) != sum.Files {
						t.Fatalf("not interrupted: %d lines, %+v", len(reps), sum)
					}
					if grace == 0 && sum.Abandoned == 0 {
						t.Errorf("nothing abandoned with no grace: %+v", sum)
					}
					check(t, out, len(reps))
				})
			}

			cuts := map[string]int{
				"in a line":        bytes.IndexByte(fullBytes[len(fullBytes)/2:], ',') + len(fullBytes)/2,
				"before the break": len(fullBytes) - 1,
				"after the header": bytes.IndexByte(fullBytes, '\n') + 3,
			}
			if i := bytes.Index(fullBytes, []byte("with a line break")); i >= 0 {
				cuts["inside a quoted line break"] = i + 3
			} else {
				t.Fatal("odd name missing from the output")
			}
			for name, at := range cuts {
				t.Run("killed/"+name, func(t *testing.T) {
					out := filepath.Join(t.TempDir(), "out")
					os.WriteFile(out, fullBytes[:at], 0o644)
					// The whole lines before the cut.
					before := len(parseReports(t, wholeLines(t, fullBytes[:at], format), format))
					check(t, out, before)
				})
			}
		})
	}
}

func TestResumeRefusesOtherFiles(t *testing.T) {
	f := getFixture(t)
	dir := t.TempDir()
	f.layout(t, dir, map[string]string{"photo.jpg": "photo.jpg"})
	out := filepath.Join(t.TempDir(), "out")
	for _, tc := range []struct {
		name, content string
		format        report.Format
	}{
		{"csv resumed as jsonl", strings.Join(report.CSVHeader, ",") + "\n", report.JSONL},
		{"jsonl resumed as csv", `{"file":"x.jpg","error":"empty file"}` + "\n", report.CSV},
		{"some other file", "hello\nworld\n", report.JSONL},
		{"json without file", `{"kind":"image"}` + "\n", report.JSONL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.WriteFile(out, []byte(tc.content), 0o644)
			_, err := Run(context.Background(), f.e, Options{Paths: []string{dir}, Format: tc.format, OutputFile: out, Resume: true})
			if err == nil || !strings.Contains(err.Error(), "is not a") {
				t.Errorf("err %v", err)
			}
			if b, _ := os.ReadFile(out); string(b) != tc.content {
				t.Errorf("file changed to %q", b)
			}
		})
	}
}

// TestSymlinks: links inside directories are skipped by default; followed,
// a link back up the tree is never entered twice and a dangling link is an
// error line.
func TestSymlinks(t *testing.T) {
	f := getFixture(t)
	dir := t.TempDir()
	f.layout(t, dir, map[string]string{"a/photo.jpg": "photo.jpg", "b/other.png": "other1.png"})
	for link, to := range map[string]string{
		"a/up":           "..",
		"a/self":         ".",
		"a/link.jpg":     "photo.jpg",
		"a/dangling.jpg": "nowhere.jpg",
		"b/to-a":         "../a",
	} {
		if err := os.Symlink(to, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	sum, reps, _ := scanTo(t, ctx, f.e, Options{Paths: []string{dir}})
	got := byFile(t, reps)
	if want := []string{filepath.Join(dir, "a/photo.jpg"), filepath.Join(dir, "b/other.png")}; !slices.Equal(keys(got), want) {
		t.Errorf("not following: %v", keys(got))
	}
	if sum.Symlinks != 5 {
		t.Errorf("%d symlinks skipped, want 5", sum.Symlinks)
	}

	sum, reps, _ = scanTo(t, ctx, f.e, Options{Paths: []string{dir}, FollowSymlinks: true})
	if ctx.Err() != nil {
		t.Fatal("the scan did not end")
	}
	got = byFile(t, reps)
	want := []string{"a/dangling.jpg", "a/link.jpg", "a/photo.jpg", "b/other.png"}
	for i := range want {
		want[i] = filepath.Join(dir, want[i])
	}
	if !slices.Equal(keys(got), want) {
		t.Errorf("following: %v", keys(got))
	}
	if r := got[filepath.Join(dir, "a/dangling.jpg")]; r.Error != "broken symbolic link" {
		t.Errorf("dangling: %+v", r)
	}
	if r := got[filepath.Join(dir, "a/link.jpg")]; r.Verdict != rules.Match {
		t.Errorf("link to the photo: %+v", r)
	}
	// a/up and a/self lead back to directories being walked; b/to-a to one
	// walked already.
	if sum.Loops != 2 || sum.Repeated != 1 {
		t.Errorf("loops %d, repeated %d", sum.Loops, sum.Repeated)
	}
	// A link named explicitly is followed.
	_, reps, _ = scanTo(t, ctx, f.e, Options{Paths: []string{filepath.Join(dir, "b/to-a")}})
	if got := keys(byFile(t, reps)); !slices.Equal(got, []string{filepath.Join(dir, "b/to-a/photo.jpg")}) {
		t.Errorf("explicit link to a directory: %v", got)
	}
}

// TestStdinPaths: "-" reads paths, one per line or NUL-separated; blank
// lines are skipped, directories walked, missing paths reported, and a path
// named twice reported once.
func TestStdinPaths(t *testing.T) {
	f := getFixture(t)
	dir := t.TempDir()
	f.layout(t, dir, map[string]string{
		"in/photo.jpg": "photo.jpg", "in/sub/other.png": "other1.png", "single.jpg": "other2.jpg",
		"odd\nname.jpg": "photo.jpg", "ignored.jpg": "photo.jpg",
	})
	p := func(n string) string { return filepath.Join(dir, n) }
	for _, tc := range []struct {
		name  string
		nul   bool
		input string
		want  []string
	}{
		{"lines", false,
			p("in") + "\n\n" + p("single.jpg") + "\r\n" + p("missing.jpg") + "\n  \n" + p("in/photo.jpg") + "\n",
			[]string{p("in/photo.jpg"), p("in/sub/other.png"), p("missing.jpg"), p("single.jpg")}},
		{"nul", true,
			p("odd\nname.jpg") + "\x00" + p("single.jpg") + "\x00",
			[]string{p("odd\nname.jpg"), p("single.jpg")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, reps, _ := scanTo(t, context.Background(), f.e, Options{Paths: []string{"-"}, Stdin: strings.NewReader(tc.input), NulSep: tc.nul, Ordered: true})
			got := byFile(t, reps)
			if !slices.Equal(keys(got), tc.want) {
				t.Fatalf("files %q, want %q", keys(got), tc.want)
			}
			for _, file := range tc.want {
				r := got[file]
				if strings.HasSuffix(file, "missing.jpg") != r.Failed() {
					t.Errorf("%s: %+v", file, r)
				}
			}
			if r, ok := got[p("missing.jpg")]; ok && r.Error != "no such file or directory" {
				t.Errorf("missing: %q", r.Error)
			}
		})
	}
}

func TestIncludeExclude(t *testing.T) {
	f := getFixture(t)
	dir := t.TempDir()
	f.layout(t, dir, map[string]string{
		"a.jpg": "photo.jpg", "b.png": "other1.png", "thumbs/c.jpg": "other2.jpg",
		"x/d.jpg": "other2.jpg", "x/thumbs/e.jpg": "other2.jpg", "x/d-small.jpg": "other2.jpg",
	})
	sum, reps, _ := scanTo(t, context.Background(), f.e, Options{
		Paths: []string{dir}, Include: []string{"*.jpg"}, Exclude: []string{"thumbs", "*-small.*"},
	})
	want := []string{filepath.Join(dir, "a.jpg"), filepath.Join(dir, "x/d.jpg")}
	if got := keys(byFile(t, reps)); !slices.Equal(got, want) {
		t.Errorf("files %v", got)
	}
	// b.png, d-small.jpg and the two thumbs directories.
	if sum.Excluded != 4 {
		t.Errorf("%d excluded", sum.Excluded)
	}
	if _, err := Run(context.Background(), f.e, Options{Paths: []string{dir}, Include: []string{"[z"}}); err == nil {
		t.Error("bad glob accepted")
	}
}

// slow never finishes a check before its time limit, and answers as the
// engine does when the limit passes.
type slow struct{ Checker }

func (slow) CheckFile(ctx context.Context, path string, opt engine.CheckOptions) (engine.Checked, error) {
	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	<-ctx.Done()
	err := fmt.Errorf("%w after %s", engine.ErrTimeout, opt.Timeout)
	return engine.Checked{Report: engine.Report{File: path, Error: err.Error()}, Err: err}, nil
}

// brokenRegistry fails as a registry that cannot be read does.
type brokenRegistry struct{ Checker }

func (brokenRegistry) CheckFile(context.Context, string, engine.CheckOptions) (engine.Checked, error) {
	return engine.Checked{}, errors.New("registry: database is locked")
}

func TestPerFileLimits(t *testing.T) {
	f := getFixture(t)
	dir := t.TempDir()
	f.layout(t, dir, map[string]string{"photo.jpg": "photo.jpg", "bad.jpg": "other1.png"})
	ctx := context.Background()

	t.Run("timeout", func(t *testing.T) {
		start := time.Now()
		_, reps, _ := scanTo(t, ctx, slow{f.e}, Options{Paths: []string{dir}, Timeout: 50 * time.Millisecond})
		for _, r := range reps {
			if r.Error != "timed out after 50ms" {
				t.Errorf("%+v", r)
			}
		}
		if len(reps) != 2 || time.Since(start) > 10*time.Second {
			t.Errorf("%d lines in %s", len(reps), time.Since(start))
		}
	})
	t.Run("max size", func(t *testing.T) {
		c := newCounting(getFixture(t).e) // a fresh cache
		_, reps, _ := scanTo(t, ctx, c, Options{Paths: []string{filepath.Join(dir, "photo.jpg")}, MaxSize: 100})
		if len(reps) != 1 || !strings.HasPrefix(reps[0].Error, "too large: ") || !strings.Contains(reps[0].Error, "over the 100-byte limit") {
			t.Errorf("%+v", reps)
		}
		if c.total() != 0 {
			t.Error("an oversized file was fingerprinted")
		}
	})
	t.Run("registry failure stops the scan", func(t *testing.T) {
		_, err := Run(ctx, brokenRegistry{f.e}, Options{Paths: []string{dir}, Out: &bytes.Buffer{}})
		if err == nil || !strings.Contains(err.Error(), "database is locked") {
			t.Errorf("err %v", err)
		}
	})
}

func TestOutputFileNotScanned(t *testing.T) {
	f := getFixture(t)
	dir := t.TempDir()
	f.layout(t, dir, map[string]string{"photo.jpg": "photo.jpg"})
	out := filepath.Join(dir, "results.jsonl")
	sum, reps, _ := scanTo(t, context.Background(), f.e, Options{Paths: []string{dir}, OutputFile: out})
	if len(reps) != 1 || sum.Output != 1 {
		t.Errorf("%d lines, %+v", len(reps), sum)
	}
	// Resumed: the file is complete, nothing is added.
	sum, reps, _ = scanTo(t, context.Background(), f.e, Options{Paths: []string{dir}, OutputFile: out, Resume: true})
	if len(reps) != 1 || sum.Files != 0 || sum.Previous.Files != 1 || sum.Previous.Matches != 1 {
		t.Errorf("%d lines, %+v", len(reps), sum)
	}
}

func TestFailOnCountsResumedLines(t *testing.T) {
	f := getFixture(t)
	dir := t.TempDir()
	f.layout(t, dir, map[string]string{"photo.jpg": "photo.jpg", "other.png": "other1.png"})
	out := filepath.Join(t.TempDir(), "out.csv")
	sum, _, _ := scanTo(t, context.Background(), f.e, Options{Paths: []string{dir}, OutputFile: out, Format: report.CSV, FailOn: rules.PossibleMatch})
	if !sum.FailOnSeen {
		t.Error("match not seen")
	}
	sum, _, _ = scanTo(t, context.Background(), f.e, Options{Paths: []string{dir}, OutputFile: out, Format: report.CSV, FailOn: rules.Match, Resume: true})
	if !sum.FailOnSeen || sum.Files != 0 {
		t.Errorf("resumed: %+v", sum)
	}
}
