package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNonRegularInputsNeverBlock gives every command that reads a user's
// file a named pipe nobody writes to and a device that never ends: each
// must refuse it at once, naming what it is, instead of blocking in open or
// read (issue: `registry add fifo.mp4` hung, holding the registry).
func TestNonRegularInputsNeverBlock(t *testing.T) {
	dir := isolate(t)
	fifo := filepath.Join(dir, "f.mp4")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	reg := filepath.Join(dir, "reg.db")
	inputs := map[string]string{fifo: "named pipe", "/dev/zero": "device"}
	for in, kind := range inputs {
		for _, args := range [][]string{
			{"check", in},
			{"hash", in},
			{"scan", in},
			{"registry", "add", in, "--id", "f", "--title", "t"},
			{"registry", "stoplist", "add", in},
		} {
			name := strings.Join(args[:len(args)-1], " ")
			if args[0] == "registry" {
				name = strings.Join(args[:2], " ")
			}
			t.Run(filepath.Base(in)+"/"+name, func(t *testing.T) {
				type result struct {
					code           int
					stdout, stderr string
				}
				done := make(chan result, 1)
				go func() {
					code, out, errb := cli(t, nil, append([]string{"--registry", reg, "--create"}, args...)...)
					done <- result{code, out, errb}
				}()
				select {
				case r := <-done:
					if r.code != exitInputFailed {
						t.Errorf("exit %d, want %d; stdout %q stderr %q", r.code, exitInputFailed, r.stdout, r.stderr)
					}
					if !strings.Contains(r.stdout+r.stderr, kind) {
						t.Errorf("the error does not say %q: stdout %q stderr %q", kind, r.stdout, r.stderr)
					}
				case <-time.After(20 * time.Second):
					t.Fatalf("%v blocked on %s", args, in)
				}
			})
		}
	}
}

// TestTerminalEscapesArePrintedEscaped: escape sequences in file names and
// registry text (a hyperlink that forges a link, a screen clear) are shown
// escaped by every text output, while JSON keeps the text exactly.
func TestTerminalEscapesArePrintedEscaped(t *testing.T) {
	m := media(t)
	dir := isolate(t)
	reg := filepath.Join(dir, "reg.db")
	forged := "\x1b]8;;https://evil.example/\x07Lead Stories\x1b]8;;\x07"
	title := "Flood photo \x1b[2J\x1b[H (old)"
	name := filepath.Join(dir, "photo\x1b[31m.jpg")
	data, err := os.ReadFile(filepath.Join(m, "debunked.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	do := func(args ...string) (int, string, string) {
		return cli(t, nil, append([]string{"--registry", reg}, args...)...)
	}
	if code, _, stderr := do("--create", "registry", "add", name, "--id", "flood", "--title", title, "--rating", "False\x1b[8m",
		"--publisher", forged, "--fact-check", "https://example.org/fc"); code != 0 {
		t.Fatalf("add: %d %s", code, stderr)
	}
	noEscapes := func(what, out string) {
		t.Helper()
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%s prints raw escape sequences: %q", what, out)
		}
		if !strings.Contains(out, `\x1b`) {
			t.Errorf("%s does not show the escapes escaped: %q", what, out)
		}
	}
	for _, args := range [][]string{
		{"registry", "list"},
		{"registry", "show", "flood"},
		{"check", name},
		{"hash", name},
	} {
		code, out, stderr := do(args...)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, stderr)
		}
		noEscapes(strings.Join(args, " "), out+stderr)
	}
	// A file that fails is named on stderr, escaped too.
	bad := filepath.Join(dir, "bad\x1b[2J.jpg")
	os.WriteFile(bad, []byte("not an image"), 0o644)
	_, out, stderr := do("check", bad)
	noEscapes("check error", out+stderr)

	// JSON is exact.
	_, out, _ = do("registry", "show", "flood", "--format", "json")
	var c struct {
		Title      string `json:"title"`
		FactChecks []struct {
			Publisher string `json:"publisher"`
		} `json:"fact_checks"`
	}
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.Title != title || len(c.FactChecks) != 1 || c.FactChecks[0].Publisher != forged {
		t.Errorf("JSON changed the text: %v %+v", err, c)
	}
	_, out, _ = do("check", "--format", "json", name)
	if !strings.Contains(out, `\u001b]8;;https://evil.example/\u0007`) {
		t.Errorf("check JSON: %s", out)
	}
}

// TestReadLimited: an import input over the limit is refused as too large,
// not cut short and then reported as unreadable JSON of another format.
func TestReadLimited(t *testing.T) {
	for _, c := range []struct {
		size    int
		wantErr bool
	}{{0, false}, {99, false}, {100, false}, {101, true}, {5000, true}} {
		data, err := readLimited(strings.NewReader(strings.Repeat("x", c.size)), 100)
		switch {
		case c.wantErr && (err == nil || !strings.Contains(err.Error(), "larger than 100 bytes")):
			t.Errorf("%d bytes: err %v, want larger than 100 bytes", c.size, err)
		case !c.wantErr && (err != nil || len(data) != c.size):
			t.Errorf("%d bytes: %d read, err %v", c.size, len(data), err)
		}
	}
}
