package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provcheck/provcheck/registry"
)

// BenchmarkColdCheck: a cold command-line `provcheck check` of one photo
// (samples/media/screenshot.jpg), one process per check, against SQLite
// registries of synthetic 30 s clips (syntheticClips: 1,200 hashes and 15
// frames with local features a clip) of about 1 M and 10 M hashes, with
// the persisted index (after a first check that builds it) and with
// --index off (the registry read and indexed whole, as every check did
// before), in the same run. It reports wall seconds and the peak RSS of
// the process, as `/usr/bin/time -f '%e s %M KB'` prints them (it needs
// /usr/bin/time: apt-get install time).
//
// The registries are made on first use in $PROVCHECK_BENCH_DIR/cold
// (default the user cache directory's provcheck-bench/cold) and kept:
//
//	go test ./engine -run '^$' -bench ColdCheck -benchtime 3x -timeout 120m
//
// PROVCHECK_BENCH_COLD_SIZES=834,8334 chooses the registries (clips);
// PROVCHECK_BENCH_LOCAL=0 leaves the local features out of them (the
// registries the README's figures before local features were made of).
func BenchmarkColdCheck(b *testing.B) {
	dir := coldBenchDir(b)
	bin := filepath.Join(dir, "provcheck")
	build := exec.Command("go", "build", "-o", bin, "../cmd/provcheck")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	photo, err := filepath.Abs("../samples/media/screenshot.jpg")
	if err != nil {
		b.Fatal(err)
	}
	sizes := []int{834, 8334}
	if s := os.Getenv("PROVCHECK_BENCH_COLD_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			var n int
			fmt.Sscan(f, &n)
			sizes = append(sizes, n)
		}
	}
	regs := map[int]string{}
	for _, clips := range sizes {
		regs[clips] = coldRegistry(b, dir, clips)
	}
	for _, clips := range sizes {
		reg := regs[clips]
		for _, mode := range []string{"index-file", "index-off"} {
			args := []string{"--registry", reg, "check", photo}
			if mode == "index-off" {
				args = append([]string{"--index", "off"}, args...)
			}
			b.Run(fmt.Sprintf("clips=%d/%s", clips, mode), func(b *testing.B) {
				if mode == "index-file" {
					// The first check without a file (or after many
					// writes) builds it.
					os.Remove(reg + ".index")
					wall, rss := runCold(b, bin, args)
					b.Logf("first check (builds the index file): %.2f s, %d KB", wall, rss)
				}
				var wall float64
				var rss int64
				for i := 0; i < b.N; i++ {
					w, r := runCold(b, bin, args)
					wall += w
					rss = max(rss, r)
				}
				b.ReportMetric(wall/float64(b.N), "wall-s/check")
				b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
				b.Logf("load average %s", loadAverage())
			})
		}
	}
}

func coldBenchDir(b *testing.B) string {
	dir := os.Getenv("PROVCHECK_BENCH_DIR")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			b.Fatal(err)
		}
		dir = filepath.Join(cache, "provcheck-bench")
	}
	dir = filepath.Join(dir, "cold")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	return dir
}

// coldRegistry returns the SQLite registry of the first clips synthetic
// clips, made if missing (imported in batches, then renamed into place so
// that an interrupted run leaves no partial registry behind).
func coldRegistry(b *testing.B, dir string, clips int) string {
	noLocal := os.Getenv("PROVCHECK_BENCH_LOCAL") == "0"
	name := fmt.Sprintf("clips-%d.db", clips)
	if noLocal {
		name = fmt.Sprintf("clips-%d-nolocal.db", clips)
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	ctx := context.Background()
	tmp := path + ".part"
	os.Remove(tmp)
	s, err := registry.OpenSQLite(ctx, tmp)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	all := syntheticClips(clips)
	if noLocal {
		for ci := range all {
			for fi := range all[ci].Media[0].Fingerprint.Frames {
				all[ci].Media[0].Fingerprint.Frames[fi].Local = nil
			}
		}
	}
	const batch = 200
	for lo := 0; lo < len(all); lo += batch {
		if err := s.Import(ctx, all[lo:min(lo+batch, len(all))]); err != nil {
			b.Fatal(err)
		}
		for i := lo; i < min(lo+batch, len(all)); i++ {
			all[i] = registry.Case{} // free what is stored
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("made %s (%d clips) in %.0f s", path, clips, time.Since(start).Seconds())
	return path
}

// runCold runs one check process under /usr/bin/time and returns its wall
// time (s) and peak RSS (KB). (The rusage of a child started from this
// process would count this process's own peak: its memory is the child's
// until exec.)
func runCold(b *testing.B, bin string, args []string) (float64, int64) {
	out, err := exec.Command("/usr/bin/time", append([]string{"-f", "cold: %e s %M KB", bin}, args...)...).CombinedOutput()
	if err != nil {
		b.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var wall float64
	var rss int64
	if _, err := fmt.Sscanf(lines[len(lines)-1], "cold: %f s %d KB", &wall, &rss); err != nil {
		b.Fatalf("/usr/bin/time said %q", lines[len(lines)-1])
	}
	return wall, rss
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
