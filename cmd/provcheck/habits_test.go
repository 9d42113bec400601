package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersionFromPlainBuild: `go build` in a git checkout embeds the VCS
// revision, and --version shows it with a version that is not "dev". The
// checkout is a fresh clone of this commit (the Go toolchain does not stamp
// builds inside linked worktrees), built with the toolchain's default
// -buildvcs=auto whatever GOFLAGS says.
func TestVersionFromPlainBuild(t *testing.T) {
	top, err := exec.Command("git", "-C", mustWd(t), "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatalf("this test runs in a git checkout (as CI's clone is): %v", err)
	}
	src := filepath.Join(t.TempDir(), "src")
	if out, err := exec.Command("git", "clone", "--quiet", strings.TrimSpace(string(top)), src).CombinedOutput(); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	head, err := exec.Command("git", "-C", src, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "provcheck")
	build := exec.Command("go", "build", "-o", bin, "./cmd/provcheck")
	build.Dir = src
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=auto")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(out))
	commit := strings.TrimSpace(string(head))[:12]
	if !strings.HasPrefix(line, "provcheck version v") || !strings.Contains(line, "(commit "+commit+", ") {
		t.Errorf("--version printed %q; want a version and commit %s", line, commit)
	}
	t.Logf("%s", line)
}

// TestCheckStdin: `check -` reads the file from standard input, reports it
// as "-", and refuses more than limits.max_file_size.
func TestCheckStdin(t *testing.T) {
	m := media(t)
	dir := isolate(t)
	reg := filepath.Join(dir, "reg.db")
	if code, _, stderr := cli(t, nil, "--registry", reg, "--create", "registry", "add", filepath.Join(m, "debunked.jpg"),
		"--id", "flood-2025", "--title", "Old flood photo"); code != 0 {
		t.Fatal(stderr)
	}
	repost, _ := os.ReadFile(filepath.Join(m, "repost.jpg"))
	code, out, stderr := cliIn(t, string(repost), "--registry", reg, "check", "--format", "jsonl", "-")
	rs := decodeLines(t, out)
	if code != 0 || len(rs) != 1 || rs[0].File != "-" || rs[0].Verdict != "match" || rs[0].Matches[0].EntryID != "flood-2025" {
		t.Fatalf("check -: %d %s %s", code, out, stderr)
	}
	// Over the size limit: refused, exit 3, nothing decoded.
	t.Setenv("PROVCHECK_LIMITS_MAX_FILE_SIZE", "1KiB")
	code, out, _ = cliIn(t, string(repost), "--registry", reg, "check", "--format", "jsonl", "-")
	rs = decodeLines(t, out)
	if code != exitInputFailed || len(rs) != 1 || !strings.Contains(rs[0].Error, "max_file_size") {
		t.Errorf("over the limit: %d %s", code, out)
	}
	// Empty standard input is an empty file.
	code, out, _ = cliIn(t, "", "--registry", reg, "check", "--format", "jsonl", "-")
	if rs = decodeLines(t, out); code != exitInputFailed || !strings.Contains(rs[0].Error, "empty") {
		t.Errorf("empty stdin: %d %s", code, out)
	}
	if code, _, _ = cliIn(t, "", "--registry", reg, "check", "-", "-"); code != exitUsage {
		t.Errorf("two -: exit %d", code)
	}
}

// TestNamedRegistryMustExist: a mistyped --registry is an error (exit 2),
// not an empty registry that finds nothing; `registry init` or --create
// make one.
func TestNamedRegistryMustExist(t *testing.T) {
	m := media(t)
	dir := isolate(t)
	typo := filepath.Join(dir, "regsitry.db")
	for _, args := range [][]string{
		{"check", "--fail-on", "match", filepath.Join(m, "repost.jpg")},
		{"scan", filepath.Join(m, "repost.jpg")},
		{"registry", "list"},
		{"registry", "add", filepath.Join(m, "debunked.jpg"), "--id", "x", "--title", "X"},
	} {
		code, _, stderr := cli(t, nil, append([]string{"--registry", typo}, args...)...)
		if code != exitUsage || !strings.Contains(stderr, "does not exist") || !strings.Contains(stderr, "registry init") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
		if _, err := os.Stat(typo); err == nil {
			t.Fatalf("%v created %s", args, typo)
		}
	}
	// The environment and config key name a registry just as the flag does.
	code, _, _ := cli(t, map[string]string{"PROVCHECK_REGISTRY": typo}, "registry", "list")
	if code != exitUsage {
		t.Errorf("PROVCHECK_REGISTRY: exit %d", code)
	}
	os.Unsetenv("PROVCHECK_REGISTRY")

	reg := filepath.Join(dir, "sub", "reg.db")
	if code, out, stderr := cli(t, nil, "registry", "init", reg); code != 0 || !strings.Contains(out, "created registry") {
		t.Fatalf("init: %d %s %s", code, out, stderr)
	}
	if code, out, _ := cli(t, nil, "registry", "init", reg); code != 0 || !strings.Contains(out, "already exists (0 case(s))") {
		t.Errorf("init again: %d %s", code, out)
	}
	if code, out, stderr := cli(t, nil, "--registry", reg, "registry", "list", "--format", "json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("list after init: %d %q %s", code, out, stderr)
	}
	other := filepath.Join(dir, "other.db")
	if code, _, stderr := cli(t, nil, "--registry", other, "--create", "registry", "list"); code != 0 {
		t.Errorf("--create: %d %s", code, stderr)
	}
}

// TestUnknownEnvWarns: a mistyped PROVCHECK_* variable is warned about (a
// mistyped config key is an error), with the name it probably meant.
func TestUnknownEnvWarns(t *testing.T) {
	isolate(t)
	code, _, stderr := cli(t, map[string]string{"PROVCHECK_THRESHOLDS_MATCH_DISTANSE": "20"}, "config")
	if code != 0 || !strings.Contains(stderr, "warning: unknown environment variable PROVCHECK_THRESHOLDS_MATCH_DISTANSE") ||
		!strings.Contains(stderr, "did you mean PROVCHECK_THRESHOLDS_MATCH_DISTANCE?") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	os.Unsetenv("PROVCHECK_THRESHOLDS_MATCH_DISTANSE")
	code, _, stderr = cli(t, map[string]string{"PROVCHECK_THRESHOLDS_MATCH_DISTANCE": "20", "PROVCHECK_API_KEYS": ""}, "config")
	if code != 0 || strings.Contains(stderr, "warning") {
		t.Errorf("known variables: exit %d, stderr %q", code, stderr)
	}
}

// TestCheckQuiet: --quiet prints nothing; the exit code still tells.
func TestCheckQuiet(t *testing.T) {
	m := media(t)
	dir := isolate(t)
	reg := filepath.Join(dir, "reg.db")
	if code, _, stderr := cli(t, nil, "--registry", reg, "--create", "registry", "add", filepath.Join(m, "debunked.jpg"),
		"--id", "flood-2025", "--title", "Old flood photo"); code != 0 {
		t.Fatal(stderr)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--registry", reg, "check", "--quiet", "--fail-on", "match", filepath.Join(m, "repost.jpg")},
		strings.NewReader(""), &out, &errb)
	if code != exitFailOn || out.Len() != 0 || errb.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	code, o, _ := cli(t, nil, "--registry", reg, "check", "-q", filepath.Join(m, "unrelated.jpg"))
	if code != exitOK || o != "" {
		t.Errorf("no match, quiet: exit %d, stdout %q", code, o)
	}
}
