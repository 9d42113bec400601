package batch

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./batch -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test ./batch -run %s -update rewrites it after review)\ngot:\n%s\nwant:\n%s", path, t.Name(), got, want)
	}
}

var elapsedRE = regexp.MustCompile(`"elapsed_ms":\d+`)

// TestGoldenOutput: the jsonl and csv lines of a small mixed directory, in
// walk order, with the temporary directory written DIR and timings zeroed.
func TestGoldenOutput(t *testing.T) {
	f := getFixture(t)
	dir := t.TempDir()
	f.layout(t, dir, map[string]string{
		"photo.jpg": "photo.jpg", "photo-copy.jpg": "photo.jpg", "other1.png": "other1.png",
		"sub/clip.mp4": "clip.mp4", "sub/other2.jpg": "other2.jpg", "corrupt.jpg": "corrupt.jpg",
		"empty.jpg": "", "notes.txt": "",
	})
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not media\n"), 0o644)
	for format, name := range map[report.Format]string{report.JSONL: "scan.jsonl", report.CSV: "scan.csv"} {
		t.Run(string(format), func(t *testing.T) {
			_, _, b := scanTo(t, context.Background(), f.e, Options{Paths: []string{dir}, Format: format, Ordered: true, Workers: 3})
			b = bytes.ReplaceAll(b, []byte(dir), []byte("DIR"))
			b = elapsedRE.ReplaceAll(b, []byte(`"elapsed_ms":0`))
			golden(t, name, b)
		})
	}
}

func TestGoldenSummary(t *testing.T) {
	s := Summary{
		Counts:   Counts{Files: 1200, Matches: 3, PossibleMatches: 2, NoMatches: 1190, Errors: 5},
		Previous: Counts{Files: 300, Matches: 1, NoMatches: 299},
		Images:   1000, Videos: 195, VideoSeconds: 812.5, Fingerprinted: 1150, Duplicates: 45,
		Symlinks: 2, Loops: 1, Excluded: 17, Output: 1,
		Abandoned: 2, Interrupted: true, Elapsed: 95 * time.Second, Trimmed: 37,
	}
	var b bytes.Buffer
	s.Write(&b)
	b.WriteString("--\n")
	Summary{Counts: Counts{Files: 1, NoMatches: 1}, Images: 1, Fingerprinted: 1, Elapsed: 20 * time.Millisecond}.Write(&b)
	golden(t, "summary.txt", b.Bytes())
}
