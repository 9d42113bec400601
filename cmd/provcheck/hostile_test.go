package main

import (
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
