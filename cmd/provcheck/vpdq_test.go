package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVPDQExchange: hash --format vpdq writes one file per input in
// Meta's layout (errors on stderr only); those hashes import as a case's
// video, a re-encode of the clip matches them, and export --format vpdq
// writes the same file back.
func TestVPDQExchange(t *testing.T) {
	m := media(t)
	dir := isolate(t)
	out := filepath.Join(dir, "hashes")
	// Every frame, as Meta's vpdq-hash-video writes them by default.
	code, stdout, stderr := cli(t, nil, "hash", "--format", "vpdq", "--query-fps", "25", "-o", out,
		filepath.Join(m, "clip.mp4"), filepath.Join(m, "notes.txt"))
	if code != exitInputFailed || stdout != "" || !strings.Contains(stderr, "notes.txt") {
		t.Fatalf("hash -o: exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 || entries[0].Name() != "clip.txt" {
		t.Fatalf("files %v", entries)
	}
	data, _ := os.ReadFile(filepath.Join(out, "clip.txt"))
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) < 50 {
		t.Errorf("%d lines for 6 s at 25 fps", len(lines))
	}
	for i, l := range lines {
		f := strings.Split(l, ",")
		if len(f) != 4 || len(f[2]) != 64 || strings.HasPrefix(l, "#") || !strings.Contains(f[3], ".") || len(f[3])-strings.Index(f[3], ".") != 4 {
			t.Fatalf("line %d %q is not frame,quality,pdq_hex,timestamp(.3f)", i+1, l)
		}
	}
	if code, _, stderr := cli(t, nil, "hash", "--format", "vpdq", filepath.Join(m, "clip.mp4"), filepath.Join(m, "debunked.jpg")); code != exitUsage ||
		!strings.Contains(stderr, "-o DIR") {
		t.Errorf("several inputs to stdout: exit %d %q", code, stderr)
	}

	reg := filepath.Join(dir, "reg.db")
	cli(t, nil, "registry", "init", reg)
	vp := filepath.Join(out, "clip.txt")
	if code, _, stderr := cli(t, nil, "--registry", reg, "registry", "import", "--format", "vpdq", vp, "--id", "clip"); code != exitUsage ||
		!strings.Contains(stderr, "--title") {
		t.Errorf("a new case without --title: exit %d %q", code, stderr)
	}
	if code, _, stderr := cli(t, nil, "--registry", reg, "registry", "import", "--format", "vpdq", vp, "--id", "clip", "--title", "Shared clip"); code != 0 {
		t.Fatal(stderr)
	}
	// Importing the same hashes again adds nothing.
	if _, o, _ := cli(t, nil, "--registry", reg, "registry", "import", "--format", "vpdq", vp, "--id", "clip"); !strings.Contains(o, "the case now has 1") {
		t.Errorf("re-import: %q", o)
	}
	code, o, stderr := cli(t, nil, "--registry", reg, "check", "--format", "jsonl", filepath.Join(m, "clip-repost.mp4"), filepath.Join(m, "unrelated.jpg"))
	rs := decodeLines(t, o)
	if code != 0 || len(rs) != 2 || rs[0].Verdict != "match" || rs[0].Matches[0].EntryID != "clip" || rs[1].Verdict != "no_match" {
		t.Errorf("check against imported vPDQ: %d %s %s", code, o, stderr)
	}
	exp := filepath.Join(dir, "export")
	if code, o, stderr := cli(t, nil, "--registry", reg, "registry", "export", "--format", "vpdq", exp); code != 0 || !strings.Contains(o, "wrote 1 vPDQ file") {
		t.Fatalf("export: %d %s %s", code, o, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(exp, "clip-*.txt"))
	if len(files) != 1 {
		t.Fatalf("exported %v", files)
	}
	back, _ := os.ReadFile(files[0])
	if !bytes.Equal(back, data) {
		t.Errorf("exported vPDQ differs from the imported file")
	}
	_, o, _ = cli(t, nil, "--registry", reg, "registry", "export", "--format", "hma-json")
	var bank []struct {
		Signals map[string]string `json:"signals"`
	}
	if err := json.Unmarshal([]byte(o), &bank); err != nil || len(bank) != 1 || !strings.HasPrefix(bank[0].Signals["vpdq"], `["`) {
		t.Errorf("hma-json export: %v %s", err, o)
	}
}

// TestSignalListImport: a python-threatexchange signal CSV with the PDQ of
// a debunked photo registers it; its repost matches.
func TestSignalListImport(t *testing.T) {
	m := media(t)
	dir := isolate(t)
	_, o, _ := cli(t, nil, "hash", "--format", "json", filepath.Join(m, "debunked.jpg"))
	var h struct {
		Frames []struct {
			PDQ string `json:"pdq"`
		} `json:"frames"`
	}
	if err := json.Unmarshal([]byte(o), &h); err != nil || len(h.Frames) != 1 {
		t.Fatal(err, o)
	}
	csv := filepath.Join(dir, "signals.csv")
	os.WriteFile(csv, []byte(fmt.Sprintf("signal_type,signal_str,collab,category,tags\npdq,%s,Sample Data,POSITIVE_CLASS,\nurl,https://x.example/,Sample Data,POSITIVE_CLASS,\n", h.Frames[0].PDQ)), 0o644)
	reg := filepath.Join(dir, "reg.db")
	code, o, stderr := cli(t, nil, "--registry", reg, "--create", "registry", "import", "--format", "te-csv", csv, "--id", "flood", "--title", "Old flood photo")
	if code != 0 || !strings.Contains(o, "imported 1 hashed") || !strings.Contains(stderr, "skipped 1 url signal") {
		t.Fatalf("import: %d %q %q", code, o, stderr)
	}
	_, o, _ = cli(t, nil, "--registry", reg, "check", "--format", "jsonl", filepath.Join(m, "repost.jpg"))
	if rs := decodeLines(t, o); rs[0].Verdict != "match" {
		t.Errorf("repost of the shared PDQ: %+v", rs[0])
	}
	bank := filepath.Join(dir, "bank.json")
	os.WriteFile(bank, []byte(fmt.Sprintf(`[{"signals": {"pdq": %q}}]`, h.Frames[0].PDQ)), 0o644)
	if code, _, stderr := cli(t, nil, "--registry", reg, "registry", "import", "--format", "hma-json", bank, "--id", "flood"); code != 0 {
		t.Errorf("hma-json: %d %s", code, stderr)
	}
	if code, _, _ := cli(t, nil, "--registry", reg, "registry", "import", "--format", "vpdq", csv, "--id", "flood"); code != exitInputFailed {
		t.Errorf("a CSV read as vPDQ: exit %d", code)
	}
}
