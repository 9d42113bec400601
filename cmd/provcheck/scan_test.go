package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/report"
	"github.com/provcheck/provcheck/internal/testmedia"
)

// cliIn is cli with standard input.
func cliIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// scanSetup registers debunked.jpg and lays out directories of copies of
// the test media: clean (nothing known), hit (a repost of the debunked
// photo) and broken (an empty file).
func scanSetup(t *testing.T) (reg string, dirs map[string]string) {
	m := media(t)
	dir := isolate(t)
	reg = filepath.Join(dir, "reg.db")
	if code, _, stderr := cli(t, nil, "--registry", reg, "--create", "registry", "add", filepath.Join(m, "debunked.jpg"),
		"--id", "flood-2025", "--title", "Old flood photo", "--fact-check", "https://example.org/fc/flood", "--publisher", "Example Checks"); code != 0 {
		t.Fatalf("add: %s", stderr)
	}
	dirs = map[string]string{}
	for name, files := range map[string][]string{
		"clean":  {"unrelated.jpg"},
		"hit":    {"unrelated.jpg", "repost.jpg"},
		"broken": {"unrelated.jpg", "empty.jpg"},
		"mixed":  {"repost.jpg", "empty.jpg"},
	} {
		d := filepath.Join(dir, name)
		os.Mkdir(d, 0o755)
		for _, f := range files {
			b, _ := os.ReadFile(filepath.Join(m, f))
			os.WriteFile(filepath.Join(d, f), b, 0o644)
		}
		dirs[name] = d
	}
	return reg, dirs
}

func TestScanExitCodes(t *testing.T) {
	reg, d := scanSetup(t)
	notScan := filepath.Join(t.TempDir(), "notes.jsonl")
	os.WriteFile(notScan, []byte("hello\n"), 0o644)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"clean", []string{d["clean"]}, exitOK, "scanned 1 file"},
		{"match without --fail-on", []string{d["hit"]}, exitOK, "1 match"},
		{"--fail-on match", []string{"--fail-on", "match", d["hit"]}, exitFailOn, "1 match"},
		{"--fail-on possible_match", []string{"--fail-on", "possible_match", d["hit"]}, exitFailOn, ""},
		{"--fail-on, nothing found", []string{"--fail-on", "match", d["clean"]}, exitOK, ""},
		{"a file fails", []string{d["broken"]}, exitInputFailed, "1 of 2 file(s) could not be checked"},
		{"failure outranks --fail-on", []string{"--fail-on", "match", d["mixed"]}, exitInputFailed, "could not be checked"},
		{"missing path", []string{d["clean"], filepath.Join(d["clean"], "nope")}, exitInputFailed, "1 of 2"},
		{"too large", []string{"--max-size", "1KiB", d["clean"]}, exitInputFailed, "1 of 1"},
		{"bad format", []string{"--format", "text", d["clean"]}, exitUsage, `unknown format "text"`},
		{"bad fail-on", []string{"--fail-on", "no_match", d["clean"]}, exitUsage, "--fail-on"},
		{"bad glob", []string{"--include", "[x", d["clean"]}, exitUsage, "--include"},
		{"bad size", []string{"--max-size", "huge", d["clean"]}, exitUsage, "limits.max_file_size"},
		{"bad workers", []string{"--workers", "-2", d["clean"]}, exitUsage, "--workers -2: want a positive number"},
		{"resume without output", []string{"--resume", d["clean"]}, exitUsage, "--resume needs --output"},
		{"resume into a foreign file", []string{"--resume", "--output", notScan, d["clean"]}, exitUsage, "is not a jsonl scan output"},
		{"stdin twice", []string{"-", "-"}, exitUsage, "once"},
		{"no paths", nil, exitUsage, "requires at least 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--registry", reg, "scan"}, tt.args...)
			code, _, stderr := cli(t, nil, args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
		})
	}
	if b, _ := os.ReadFile(notScan); string(b) != "hello\n" {
		t.Error("--resume wrote into a file that is not a scan output")
	}
}

func TestScanOutputs(t *testing.T) {
	reg, d := scanSetup(t)
	scan := func(stdin string, args ...string) (int, string, string) {
		return cliIn(t, stdin, append([]string{"--registry", reg, "scan"}, args...)...)
	}

	// jsonl to stdout: the check report of each file.
	code, out, stderr := scan("", "--ordered", d["hit"])
	rs := decodeLines(t, out)
	if code != 0 || len(rs) != 2 || rs[0].File != filepath.Join(d["hit"], "repost.jpg") || rs[0].Verdict != "match" ||
		rs[0].Matches[0].EntryID != "flood-2025" || rs[1].Verdict != "no_match" {
		t.Errorf("jsonl: exit %d %+v\n%s", code, rs, stderr)
	}

	// csv, paths from standard input.
	code, out, _ = scan(filepath.Join(d["hit"], "repost.jpg")+"\n"+d["clean"]+"\n", "--format", "csv", "--ordered", "-")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || code != 0 || len(recs) != 3 || !slices.Equal(recs[0], report.CSVHeader) {
		t.Fatalf("csv: exit %d %v\n%s", code, err, out)
	}
	if recs[1][0] != filepath.Join(d["hit"], "repost.jpg") || recs[1][2] != "match" || recs[1][7] != "https://example.org/fc/flood" ||
		recs[2][0] != filepath.Join(d["clean"], "unrelated.jpg") || recs[2][2] != "no_match" {
		t.Errorf("csv rows %q", recs[1:])
	}

	// --output, then --resume after the last line was cut short: the file
	// ends up with each file once.
	file := filepath.Join(t.TempDir(), "out.jsonl")
	if code, out, _ = scan("", "--output", file, "-q", d["hit"], d["broken"]); code != exitInputFailed || out != "" {
		t.Fatalf("--output: exit %d, stdout %q", code, out)
	}
	full, _ := os.ReadFile(file)
	if n := bytes.Count(full, []byte("\n")); n != 4 {
		t.Fatalf("%d lines:\n%s", n, full)
	}
	os.WriteFile(file, full[:len(full)-10], 0o644)
	code, _, stderr = scan("", "--output", file, "--resume", d["hit"], d["broken"])
	resumed, _ := os.ReadFile(file)
	if code != exitInputFailed || !strings.Contains(stderr, "scanned 1 file") || !strings.Contains(stderr, "resumed after 3 files") {
		t.Errorf("resume: exit %d\n%s", code, stderr)
	}
	if got, want := sortedLines(resumed), sortedLines(full); !slices.Equal(got, want) {
		t.Errorf("resumed output:\n%s\nwant the lines of:\n%s", resumed, full)
	}
	// Resuming a finished scan adds nothing and keeps the exit status.
	if code, _, stderr = scan("", "--output", file, "--resume", "--fail-on", "match", d["hit"]); code != exitInputFailed {
		t.Errorf("resume of a finished scan: exit %d %s", code, stderr)
	}
	if again, _ := os.ReadFile(file); !bytes.Equal(again, resumed) {
		t.Error("resuming a finished scan changed the output")
	}
}

// sortedLines is the lines of jsonl output with timings zeroed, sorted.
func sortedLines(b []byte) []string {
	var ls []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := sc.Text()
		if i := strings.Index(l, `"elapsed_ms":`); i >= 0 {
			j := i + len(`"elapsed_ms":`)
			k := j + strings.IndexAny(l[j:], ",}")
			l = l[:j] + "0" + l[k:]
		}
		ls = append(ls, l)
	}
	slices.Sort(ls)
	return ls
}

// TestScanSignals runs the real binary: SIGINT stops a scan between files
// with whole lines and exit 3, and --resume completes it; a second SIGINT
// abandons a file that hangs.
func TestScanSignals(t *testing.T) {
	pkg := mustWd(t)
	reg, _ := scanSetup(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "provcheck")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = pkg
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	imgs := filepath.Join(dir, "imgs")
	os.Mkdir(imgs, 0o755)
	const n = 40
	for i := range n {
		if err := testmedia.WriteJPEG(filepath.Join(imgs, fmt.Sprintf("%03d.jpg", i)), testmedia.Picture(uint64(100+i), 240, 180), 85); err != nil {
			t.Fatal(err)
		}
	}
	start := func(args ...string) (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(bin, append([]string{"--registry", reg}, args...)...)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &errb
	}
	exitCode := func(cmd *exec.Cmd) int {
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}

	t.Run("interrupt and resume", func(t *testing.T) {
		out := filepath.Join(dir, "out.jsonl")
		cmd, stderr := start("scan", "--workers", "1", "--output", out, imgs)
		deadline := time.Now().Add(20 * time.Second)
		for {
			b, _ := os.ReadFile(out)
			if bytes.Count(b, []byte("\n")) >= 3 {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatal("no output")
			}
			time.Sleep(5 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGINT)
		if code := exitCode(cmd); code != exitInputFailed || !strings.Contains(stderr.String(), "interrupted") {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		b, _ := os.ReadFile(out)
		lines := decodeLines(t, string(b)) // every line whole
		if len(lines) >= n || b[len(b)-1] != '\n' {
			t.Fatalf("%d lines after the interrupt", len(lines))
		}
		cmd, stderr = start("scan", "--output", out, "--resume", imgs)
		if code := exitCode(cmd); code != 0 {
			t.Fatalf("resume: exit %d\n%s", code, stderr)
		}
		b, _ = os.ReadFile(out)
		seen := map[string]bool{}
		for _, r := range decodeLines(t, string(b)) {
			if seen[r.File] || r.Error != "" {
				t.Errorf("%s: twice or failed: %+v", r.File, r)
			}
			seen[r.File] = true
		}
		if len(seen) != n {
			t.Errorf("%d files reported, want %d", len(seen), n)
		}
	})

	t.Run("second interrupt abandons", func(t *testing.T) {
		// An ffprobe that never answers: the video hangs until abandoned.
		hang := filepath.Join(dir, "ffprobe-hangs")
		os.WriteFile(hang, []byte("#!/bin/sh\nexec sleep 300\n"), 0o755)
		vids := filepath.Join(dir, "vids")
		os.Mkdir(vids, 0o755)
		clip, _ := os.ReadFile(filepath.Join(media(t), "clip.mp4"))
		os.WriteFile(filepath.Join(vids, "clip.mp4"), clip, 0o644)
		out := filepath.Join(dir, "vids.jsonl")
		// Both tools hang (an MP4 header is read in Go, so the clip may go
		// straight to ffmpeg); the interrupts come once the file is in
		// progress, that is once the scan has started one of them.
		cmd, stderr := start("--ffprobe", hang, "--ffmpeg", hang, "scan", "--output", out, vids)
		deadline := time.Now().Add(30 * time.Second)
		for !hasChild(cmd.Process.Pid) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatal("the scan started no decoder")
			}
			time.Sleep(10 * time.Millisecond)
		}
		began := time.Now()
		cmd.Process.Signal(syscall.SIGINT)
		time.Sleep(200 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGINT)
		code := exitCode(cmd)
		if took := time.Since(began); took > 5*time.Second {
			t.Errorf("took %s to stop after two interrupts", took)
		}
		if code != exitInputFailed || !strings.Contains(stderr.String(), "1 file in progress abandoned") {
			t.Errorf("exit %d\n%s", code, stderr)
		}
		if b, _ := os.ReadFile(out); len(b) != 0 {
			t.Errorf("a line for an abandoned file: %s", b)
		}
	})
}

// hasChild reports whether process pid has a child process (Linux /proc).
func hasChild(pid int) bool {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, t := range tasks {
		if b, _ := os.ReadFile(t); len(bytes.TrimSpace(b)) > 0 {
			return true
		}
	}
	return false
}
