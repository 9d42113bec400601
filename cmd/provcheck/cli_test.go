package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/provcheck/provcheck/internal/testmedia"
)

// cli runs one command line in-process and returns exit code, stdout, stderr.
func cli(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// isolate gives the test its own config and data directories, so neither a
// user's config nor default registry is touched.
func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Chdir(dir)
	return dir
}

var (
	mediaOnce sync.Once
	mediaDir  string
	mediaErr  error
)

// media makes the files the CLI tests use, once.
func media(t *testing.T) string {
	t.Helper()
	mediaOnce.Do(func() {
		mediaDir, mediaErr = os.MkdirTemp("", "provcheck-cli-")
		if mediaErr != nil {
			return
		}
		p := func(n string) string { return filepath.Join(mediaDir, n) }
		ctx := context.Background()
		steps := []func() error{
			func() error { return testmedia.WriteJPEG(p("debunked.jpg"), testmedia.Picture(11, 900, 600), 90) },
			func() error { return testmedia.WriteJPEG(p("unrelated.jpg"), testmedia.Picture(12, 900, 600), 90) },
			func() error {
				return testmedia.WriteVideo(ctx, p("clip.mp4"), testmedia.VideoSpec{Seed: 3, W: 480, H: 270, FPS: 25, Seconds: 6, Scene: 2})
			},
			func() error {
				return testmedia.FFmpeg(ctx, "-i", p("debunked.jpg"), "-vf", "hflip,scale=450:-2", "-q:v", "10", p("repost.jpg"))
			},
			func() error {
				return testmedia.FFmpeg(ctx, "-ss", "1", "-t", "4", "-i", p("clip.mp4"), "-vf", "hflip", "-c:v", "libx264", "-preset", "veryfast", "-crf", "32", p("clip-repost.mp4"))
			},
			func() error { return os.WriteFile(p("empty.jpg"), nil, 0o644) },
			func() error { return os.WriteFile(p("notes.txt"), []byte("just some text, not media\n"), 0o644) },
			func() error {
				b, err := os.ReadFile(p("clip.mp4"))
				if err != nil {
					return err
				}
				return os.WriteFile(p("truncated.mp4"), b[:len(b)/4], 0o644)
			},
		}
		for _, s := range steps {
			if mediaErr = s(); mediaErr != nil {
				return
			}
		}
	})
	if mediaErr != nil {
		t.Fatal(mediaErr)
	}
	return mediaDir
}

type checkJSON struct {
	File    string `json:"file"`
	Kind    string `json:"kind"`
	Verdict string `json:"verdict"`
	Action  string `json:"action"`
	Error   string `json:"error"`
	Matches []struct {
		EntryID    string `json:"entry_id"`
		Verdict    string `json:"verdict"`
		Segments   []map[string]float64
		FactChecks []struct {
			Publisher, URL string
		} `json:"fact_checks"`
	} `json:"matches"`
}

func decodeLines(t *testing.T, out string) []checkJSON {
	t.Helper()
	var rs []checkJSON
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r checkJSON
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		rs = append(rs, r)
	}
	return rs
}

func TestUsageErrors(t *testing.T) {
	dir := isolate(t)
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("thresholds:\n  match_distance: 999\n"), 0o644)
	unknown := filepath.Join(dir, "unknown.yaml")
	os.WriteFile(unknown, []byte("treshold: 3\n"), 0o644)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"unknown command", nil, []string{"frobnicate"}, "unknown command"},
		{"check without files", nil, []string{"check"}, "requires at least 1 arg"},
		{"unknown flag", nil, []string{"check", "--nope", "x.jpg"}, "unknown flag"},
		{"bad format", nil, []string{"check", "--format", "xml", "x.jpg"}, `unknown format "xml"`},
		{"bad fail-on", nil, []string{"check", "--fail-on", "maybe", "x.jpg"}, "--fail-on"},
		{"bad config value", nil, []string{"--config", bad, "check", "x.jpg"}, "thresholds.match_distance: 999"},
		{"unknown config key", nil, []string{"--config", unknown, "check", "x.jpg"}, "unknown key(s): treshold"},
		{"missing config file", nil, []string{"--config", filepath.Join(dir, "nope.yaml"), "check", "x.jpg"}, "nope.yaml"},
		{"bad env value", map[string]string{"PROVCHECK_LIMITS_TIMEOUT": "forever"}, []string{"check", "x.jpg"}, "limits.timeout"},
		{"bad flag value", nil, []string{"check", "--timeout", "-3s", "x.jpg"}, "limits.timeout"},
		{"unknown case", nil, []string{"registry", "show", "no-such-case"}, "no such case"},
		{"bad category", nil, []string{"registry", "add", "--title", "T", "--category", "Fake", "x.jpg"}, "unknown category"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, tt.env, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q does not mention %q", stderr, tt.want)
			}
		})
	}
}

func TestRegistryAndCheck(t *testing.T) {
	m := media(t)
	dir := isolate(t)
	reg := filepath.Join(dir, "reg.db")
	p := func(n string) string { return filepath.Join(m, n) }
	base := []string{"--registry", reg}
	do := func(args ...string) (int, string, string) {
		return cli(t, nil, append(append([]string{}, base...), args...)...)
	}

	code, out, stderr := do("--create", "registry", "add", p("debunked.jpg"), p("clip.mp4"), "--id", "flood-2025", "--title", "Old flood photo",
		"--claim", "Shows this week's flood", "--rating", "False", "--category", "DecontextualizedContent",
		"--fact-check", "https://example.org/fc/flood", "--publisher", "Example Checks", "--published", "2025-12-03", "--tag", "flood")
	if code != 0 {
		t.Fatalf("add: %d %s", code, stderr)
	}
	if !strings.Contains(out, "registered 2 file(s) under flood-2025") {
		t.Errorf("add output %q", out)
	}

	// A corrupt file in a batch: nothing of the batch is registered.
	code, _, stderr = do("registry", "add", p("unrelated.jpg"), p("truncated.mp4"), "--id", "flood-2025")
	if code != exitInputFailed || !strings.Contains(stderr, "truncated.mp4") || !strings.Contains(stderr, "nothing registered") {
		t.Errorf("corrupt add: %d %q", code, stderr)
	}
	_, out, _ = do("registry", "show", "flood-2025", "--format", "json")
	var shown struct {
		Media      []any `json:"media"`
		FactChecks []any `json:"fact_checks"`
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil || len(shown.Media) != 2 || len(shown.FactChecks) != 1 {
		t.Fatalf("show after failed add: %v %s", err, out)
	}
	// Appending a fact-check to the existing case.
	if code, _, stderr = do("registry", "add", p("repost.jpg"), "--id", "flood-2025", "--publisher", "AFP Fact Check"); code != 0 {
		t.Fatalf("append: %d %s", code, stderr)
	}
	_, out, _ = do("registry", "list")
	if !strings.Contains(out, "flood-2025") || !strings.Contains(out, "Old flood photo") {
		t.Errorf("list: %q", out)
	}

	code, out, stderr = do("check", "--format", "jsonl", p("repost.jpg"), p("clip-repost.mp4"), p("unrelated.jpg"),
		p("empty.jpg"), p("notes.txt"), p("truncated.mp4"), p("missing.jpg"))
	if code != exitInputFailed {
		t.Errorf("check exit %d, want %d: %s", code, exitInputFailed, stderr)
	}
	rs := decodeLines(t, out)
	if len(rs) != 7 {
		t.Fatalf("%d lines for 7 files", len(rs))
	}
	want := []struct{ verdict, err string }{
		{"match", ""}, {"match", ""}, {"no_match", ""},
		{"", "empty"}, {"", "not an image or video"}, {"", "truncated.mp4"}, {"", "no such file"},
	}
	for i, w := range want {
		r := rs[i]
		if r.Verdict != w.verdict || !strings.Contains(r.Error, w.err) || (w.err != "" && r.Error == "") {
			t.Errorf("%s: verdict %q error %q; want %q / %q", r.File, r.Verdict, r.Error, w.verdict, w.err)
		}
	}
	if m := rs[1].Matches; len(m) == 0 || m[0].EntryID != "flood-2025" || len(m[0].Segments) == 0 || len(m[0].FactChecks) != 2 ||
		m[0].FactChecks[0].URL != "https://example.org/fc/flood" {
		t.Errorf("video match: %+v", rs[1])
	}
	if rs[0].Action != "label" || rs[2].Action != "none" {
		t.Errorf("actions %q %q", rs[0].Action, rs[2].Action)
	}

	// --fail-on: exit 1 when a match occurs and every file was read.
	if code, _, _ = do("check", "--fail-on", "match", p("repost.jpg")); code != exitFailOn {
		t.Errorf("--fail-on match: exit %d", code)
	}
	if code, _, _ = do("check", "--fail-on", "match", p("unrelated.jpg")); code != exitOK {
		t.Errorf("--fail-on with no match: exit %d", code)
	}

	// Export, then import into a new registry: matches the same.
	bundle := filepath.Join(dir, "bundle.json")
	if code, _, stderr = do("registry", "export", bundle); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	reg2 := filepath.Join(dir, "reg2.db")
	if code, _, stderr = cli(t, nil, "--registry", reg2, "--create", "registry", "import", bundle); code != 0 {
		t.Fatalf("import: %s", stderr)
	}
	_, out, _ = cli(t, nil, "--registry", reg2, "check", "--format", "json", p("repost.jpg"))
	if !strings.Contains(out, `"entry_id": "flood-2025"`) {
		t.Errorf("imported registry does not match: %s", out)
	}
	// A malformed bundle changes nothing and says where.
	badBundle := filepath.Join(dir, "bad.json")
	os.WriteFile(badBundle, []byte(`{"format":"provcheck-registry","version":1,"cases":[{"id":"Bad Id","title":""}]}`), 0o644)
	code, _, stderr = cli(t, nil, "--registry", reg2, "registry", "import", badBundle)
	if code != exitInputFailed || !strings.Contains(stderr, "cases[0].id") || !strings.Contains(stderr, "cases[0].title") {
		t.Errorf("bad bundle: %d %q", code, stderr)
	}

	// Remove: no longer matches.
	if code, _, _ = do("registry", "remove", "flood-2025"); code != 0 {
		t.Fatal("remove failed")
	}
	_, out, _ = do("check", "--format", "jsonl", p("repost.jpg"))
	if rs := decodeLines(t, out); rs[0].Verdict != "no_match" {
		t.Errorf("after remove: %+v", rs[0])
	}
	if code, _, _ = do("registry", "remove", "flood-2025"); code != exitUsage {
		t.Errorf("removing an unknown case: exit %d", code)
	}
}

func TestDefaultRegistryStartsWithSample(t *testing.T) {
	isolate(t)
	code, out, stderr := cli(t, nil, "registry", "list")
	if code != 0 {
		t.Fatalf("%d %s", code, stderr)
	}
	if !strings.Contains(out, "nypd-arrests-ice-sora") {
		t.Errorf("default registry lacks the sample case: %q", out)
	}
	if _, err := os.Stat(filepath.Join(os.Getenv("XDG_DATA_HOME"), "provcheck", "registry.db")); err != nil {
		t.Errorf("default registry not at the XDG data path: %v", err)
	}
}

func TestHashCommand(t *testing.T) {
	m := media(t)
	isolate(t)
	code, out, _ := cli(t, nil, "hash", "--format", "jsonl", filepath.Join(m, "debunked.jpg"), filepath.Join(m, "clip.mp4"), filepath.Join(m, "notes.txt"))
	if code != exitInputFailed {
		t.Errorf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	var img, vid, bad map[string]any
	json.Unmarshal([]byte(lines[0]), &img)
	json.Unmarshal([]byte(lines[1]), &vid)
	json.Unmarshal([]byte(lines[2]), &bad)
	if img["kind"] != "image" || img["width"].(float64) != 900 || len(img["frames"].([]any)) != 1 {
		t.Errorf("image: %v", img)
	}
	frames := vid["frames"].([]any)
	if vid["kind"] != "video" || len(frames) < 8 || vid["duration_s"].(float64) < 5.9 {
		t.Errorf("video: kind %v, %d frames, duration %v", vid["kind"], len(frames), vid["duration_s"])
	}
	f0 := frames[0].(map[string]any)
	for _, k := range []string{"t", "pdq", "quality", "phash", "dhash"} {
		if _, ok := f0[k]; !ok {
			t.Errorf("frame lacks %q", k)
		}
	}
	// hash computes pHash and dHash itself, for every frame it prints.
	for i, f := range frames {
		f := f.(map[string]any)
		if f["phash"] == "0000000000000000" || f["dhash"] == "0000000000000000" {
			t.Errorf("frame %d: no pHash or dHash: %v", i, f)
		}
	}
	if _, ok := bad["error"]; !ok {
		t.Errorf("bad file: %v", bad)
	}
	code, out, _ = cli(t, nil, "hash", "--format", "vpdq", filepath.Join(m, "clip.mp4"))
	first := strings.Split(out, "\n")[0]
	if code != 0 || len(strings.Split(first, ",")) != 4 || !strings.HasPrefix(first, "0,") {
		t.Errorf("vpdq: %d %q", code, first)
	}
}

// TestBinaryEndToEnd builds the real binary and runs it on files whose names
// look like options and URLs.
func TestBinaryEndToEnd(t *testing.T) {
	m := media(t)
	pkg := mustWd(t)
	dir := isolate(t)
	bin := filepath.Join(dir, "provcheck")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = pkg
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	work := filepath.Join(dir, "work")
	os.Mkdir(work, 0o755)
	data, _ := os.ReadFile(filepath.Join(m, "repost.jpg"))
	for _, name := range []string{"-i", "--help", "http:example.jpg", "concat:a|b.jpg"} {
		os.WriteFile(filepath.Join(work, name), data, 0o644)
	}
	vid, _ := os.ReadFile(filepath.Join(m, "clip-repost.mp4"))
	os.WriteFile(filepath.Join(work, "-y.mp4"), vid, 0o644)
	reg := filepath.Join(dir, "e2e.db")
	runBin := func(args ...string) (int, string, string) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = work
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String(), errb.String()
	}
	if code, _, stderr := runBin("--registry", reg, "--create", "registry", "add", "--id", "e2e", "--title", "E2E case",
		filepath.Join(m, "debunked.jpg"), filepath.Join(m, "clip.mp4")); code != 0 {
		t.Fatalf("add: %s", stderr)
	}
	code, out, stderr := runBin("--registry", reg, "check", "--format", "jsonl", "--", "-i", "--help", "http:example.jpg", "concat:a|b.jpg", "-y.mp4")
	if code != 0 {
		t.Fatalf("check: exit %d %s", code, stderr)
	}
	rs := decodeLines(t, out)
	if len(rs) != 5 {
		t.Fatalf("%d results", len(rs))
	}
	for _, r := range rs {
		if r.Verdict != "match" || r.Matches[0].EntryID != "e2e" {
			t.Errorf("%s: %+v", r.File, r)
		}
	}
}

func mustWd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

func TestConfigHidesAPIKeys(t *testing.T) {
	isolate(t)
	code, out, _ := cli(t, map[string]string{"PROVCHECK_API_KEYS": "a-very-secret-key-123456"}, "config")
	if code != 0 || strings.Contains(out, "a-very-secret-key") || !strings.Contains(out, "server.api_keys: [1 key(s), not shown]") {
		t.Errorf("config output: %d %q", code, out)
	}
}
