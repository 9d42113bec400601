package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testdata is the package's testdata directory, found before tests change
// their working directory (isolate).
var testdata, _ = filepath.Abs("testdata")

// golden compares got with testdata/name.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(testdata, name)
	if *update {
		if err := os.MkdirAll(testdata, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/provcheck -run %s -update creates it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./cmd/provcheck -run %s -update rewrites it after review)\ngot:\n%s\nwant:\n%s", path, t.Name(), got, want)
	}
}

// TestOutdatedFingerprintNotes: a registry holding media fingerprinted with
// an older version of the views says so — `registry list` below its table
// (golden file) and in its JSON, `check` on stderr before the reports —
// and a registry of current fingerprints says nothing.
func TestOutdatedFingerprintNotes(t *testing.T) {
	m := media(t)
	dir := isolate(t)
	reg := filepath.Join(dir, "reg.db")
	do := func(args ...string) (int, string, string) {
		t.Helper()
		return cli(t, nil, append([]string{"--registry", reg}, args...)...)
	}
	if code, _, stderr := do("--create", "registry", "add", filepath.Join(m, "debunked.jpg"), "--id", "fresh-photo",
		"--title", "Registered by this build", "--rating", "False", "--no-thumbnails"); code != 0 {
		t.Fatalf("add: %d %s", code, stderr)
	}
	photo := filepath.Join(m, "unrelated.jpg")
	_, _, stderr := do("check", photo)
	_, list, _ := do("registry", "list")
	if bytes.Contains([]byte(stderr+list), []byte("older provcheck")) {
		t.Errorf("a current registry is called outdated:\n%s\n%s", stderr, list)
	}

	// The same medium as an old bundle would carry it: made by views 1.
	bundle := filepath.Join(dir, "bundle.json")
	if code, _, stderr := do("registry", "export", bundle); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	raw, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	var b map[string]any
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	c := b["cases"].([]any)[0].(map[string]any)
	c["id"], c["title"] = "old-photo", "Registered by an older build"
	for _, md := range c["media"].([]any) {
		md.(map[string]any)["fingerprint_version"] = "pdq/1 views/1"
	}
	raw, _ = json.Marshal(b)
	if err := os.WriteFile(bundle, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := do("registry", "import", bundle); code != 0 {
		t.Fatalf("import: %s", stderr)
	}

	code, list, stderr := do("registry", "list")
	if code != 0 {
		t.Fatalf("list: %d %s", code, stderr)
	}
	golden(t, "registry-list-outdated.txt", list)
	_, js, _ := do("registry", "list", "--format", "json")
	var listed []struct {
		ID       string   `json:"id"`
		Outdated []string `json:"outdated"`
	}
	if err := json.Unmarshal([]byte(js), &listed); err != nil {
		t.Fatalf("list json: %v\n%s", err, js)
	}
	outdated := map[string][]string{}
	for _, l := range listed {
		outdated[l.ID] = l.Outdated
	}
	if len(outdated["fresh-photo"]) != 0 || len(outdated["old-photo"]) != 1 || outdated["old-photo"][0] != "views/1 (now 2)" {
		t.Errorf("list json outdated: %v", outdated)
	}

	code, out, stderr := do("check", photo)
	if code != 0 {
		t.Fatalf("check: %d %s", code, stderr)
	}
	const note = "provcheck: note: 1 of 2 registered media were fingerprinted by an older provcheck (views/1 (now 2)); register them again to match as well as new media\n"
	if stderr != note {
		t.Errorf("check stderr:\n%q\nwant:\n%q", stderr, note)
	}
	if bytes.Contains([]byte(out), []byte("older provcheck")) {
		t.Errorf("the note went to stdout with the report:\n%s", out)
	}
}
