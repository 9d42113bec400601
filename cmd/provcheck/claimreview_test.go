package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/provcheck/provcheck/registry"
)

// TestImportExportClaimReview: ClaimReview JSON-LD, an @graph with a
// MediaReview and a saved HTML page import into cases; the JSON-LD export
// imports into another registry as the same cases; bad input changes
// nothing and says where.
func TestImportExportClaimReview(t *testing.T) {
	td := filepath.Join(mustWd(t), "..", "..", "internal", "claimreview", "testdata")
	dir := isolate(t)
	reg := filepath.Join(dir, "a.db")
	code, out, stderr := cli(t, nil, "--registry", reg, "--create", "registry", "import",
		filepath.Join(td, "claimreview.json"), filepath.Join(td, "graph.jsonld"), filepath.Join(td, "page.html"))
	if code != 0 || !strings.Contains(out, "imported 3 case(s) from 5 ClaimReview/MediaReview node(s)") {
		t.Fatalf("import: %d %q %s", code, out, stderr)
	}
	// Importing the page again merges: still three cases, one fact-check each.
	if code, _, stderr = cli(t, nil, "--registry", reg, "registry", "import", filepath.Join(td, "page.html")); code != 0 {
		t.Fatal(stderr)
	}
	_, out, _ = cli(t, nil, "--registry", reg, "registry", "list", "--format", "json")
	var list []registry.Summary
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 3 {
		t.Fatalf("list: %v %s", err, out)
	}
	for _, s := range list {
		if s.FactChecks != 1 {
			t.Errorf("%s: %d fact-checks", s.ID, s.FactChecks)
		}
	}
	code, out, _ = cli(t, nil, "--registry", reg, "registry", "show", "--format", "jsonld", "a-humanoid-robot-dances-in-a-factory")
	if code != 0 || !strings.Contains(out, `"mediaAuthenticityCategory": "https://schema.org/TransformedContent"`) ||
		!strings.Contains(out, `"@type": "ClaimReview"`) {
		t.Errorf("show --format jsonld: %d %s", code, out)
	}
	exported := filepath.Join(dir, "export.jsonld")
	if code, _, stderr = cli(t, nil, "--registry", reg, "registry", "export", "--format", "claimreview", exported); code != 0 {
		t.Fatal(stderr)
	}
	reg2 := filepath.Join(dir, "b.db")
	if code, _, stderr = cli(t, nil, "--registry", reg2, "--create", "registry", "import", exported); code != 0 {
		t.Fatal(stderr)
	}
	a, b := showAll(t, reg), showAll(t, reg2)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("round trip differs:\nbefore %+v\nafter  %+v", a, b)
	}
	// Invalid JSON-LD: the path of the problem, exit 3, nothing changed.
	bad := filepath.Join(dir, "bad.jsonld")
	os.WriteFile(bad, []byte(`{"@context":"https://schema.org","@graph":[{"@type":"ClaimReview","claimReviewed":"x","reviewRating":{"ratingValue":{"x":1}}}]}`), 0o644)
	code, _, stderr = cli(t, nil, "--registry", reg2, "registry", "import", bad)
	if code != exitInputFailed || !strings.Contains(stderr, "@graph[0].reviewRating.ratingValue: want text") {
		t.Errorf("bad JSON-LD: %d %q", code, stderr)
	}
	if c := showAll(t, reg2); !reflect.DeepEqual(c, b) {
		t.Errorf("a failed import changed the registry")
	}
}

// showAll reads every case as the JSON of registry show, without times.
func showAll(t *testing.T, reg string) []map[string]any {
	t.Helper()
	_, out, _ := cli(t, nil, "--registry", reg, "registry", "list", "--format", "json")
	var list []registry.Summary
	json.Unmarshal([]byte(out), &list)
	var cases []map[string]any
	for _, s := range list {
		_, out, stderr := cli(t, nil, "--registry", reg, "registry", "show", "--format", "json", s.ID)
		var c map[string]any
		if err := json.Unmarshal([]byte(out), &c); err != nil {
			t.Fatalf("show %s: %v %s", s.ID, err, stderr)
		}
		delete(c, "created_at")
		delete(c, "updated_at")
		cases = append(cases, c)
	}
	return cases
}
