package server

import (
	"net/http"
	"strings"
	"testing"
)

// TestCachedFingerprintSeesRegistryChanges checks the same bytes before
// and after registering and removing a case: the second and third checks
// take the fingerprint from the cache and still see each change.
func TestCachedFingerprintSeesRegistryChanges(t *testing.T) {
	ts := newTestServer(t, nil)
	if v := verdictOf(t, ts.checkFile(t, "photo-small.jpg", "")); v != "no_match" {
		t.Fatalf("empty registry: %s", v)
	}
	ts.register(t, photoCase, "photo.jpg")
	if v := verdictOf(t, ts.checkFile(t, "photo-small.jpg", "")); v != "match" {
		t.Fatalf("after registering: %s", v)
	}
	if a := do(t, request(t, "DELETE", ts.url+"/v1/entries/"+photoCase.ID, nil, "Authorization", "Bearer "+testKey)); a.status != http.StatusNoContent {
		t.Fatal(a)
	}
	if v := verdictOf(t, ts.checkFile(t, "photo-small.jpg", "")); v != "no_match" {
		t.Fatalf("after removing: %s", v)
	}
	m := do(t, request(t, "GET", ts.url+"/metrics", nil))
	for _, want := range []string{"\nprovcheck_fingerprint_cache_hits_total 2\n", "\nprovcheck_fingerprint_cache_misses_total 1\n",
		"\nprovcheck_fingerprint_cache_files 1\n"} {
		if !strings.Contains(string(m.body), want) {
			t.Errorf("metrics lack %q:\n%s", strings.TrimSpace(want), grep(m.body, "cache"))
		}
	}
}
