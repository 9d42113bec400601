package engine

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/provcheck/provcheck/"

// stagePackages are the stages below the engine: front ends reach them only
// through it.
var stagePackages = []string{
	"internal/media", "internal/media/ffmpeg", "internal/luma", "internal/picture", "internal/views",
	"internal/signal", "internal/fingerprint", "internal/index", "internal/match",
}

// TestFrontEndsGoThroughTheEngine: the batch walker and the HTTP service
// import none of the stages below the engine (decoding, finding the
// picture, views, signals, fingerprinting, the index, matching), and with
// the engine taken out of the import graph they cannot reach the index or
// matching at all: one check path, the engine's.
func TestFrontEndsGoThroughTheEngine(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go not in PATH")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`,
		module+"batch", module+"server").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	imports := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		imports[f[0]] = f[1:]
	}
	below := func(p string) bool {
		for _, s := range stagePackages {
			if p == module+s || strings.HasPrefix(p, module+s+"/") {
				return true
			}
		}
		return false
	}
	for _, front := range []string{"batch", "server"} {
		pkg := module + front
		if _, ok := imports[pkg]; !ok {
			t.Fatalf("%s not listed", pkg)
		}
		for _, imp := range imports[pkg] {
			if below(imp) {
				t.Errorf("%s imports %s: it must go through the engine", front, imp)
			}
		}
		// Without the engine, neither the index nor matching is
		// reachable.
		seen := map[string]bool{}
		var walk func(p string)
		walk = func(p string) {
			if seen[p] || p == module+"engine" {
				return
			}
			seen[p] = true
			for _, imp := range imports[p] {
				walk(imp)
			}
		}
		walk(pkg)
		for _, s := range []string{"internal/index", "internal/match"} {
			if seen[module+s] {
				t.Errorf("%s reaches %s without going through the engine", front, s)
			}
		}
	}
}
