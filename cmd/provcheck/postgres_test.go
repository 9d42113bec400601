package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provcheck/provcheck/internal/pgtest"
	"github.com/provcheck/provcheck/registry"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestPostgresRegistry runs the registry commands and a check against a
// registry in PostgreSQL, chosen by PROVCHECK_REGISTRY.
func TestPostgresRegistry(t *testing.T) {
	m := media(t)
	isolate(t)
	env := map[string]string{"PROVCHECK_REGISTRY": pgtest.DSN(t)}
	p := func(n string) string { return filepath.Join(m, n) }
	code, out, stderr := cli(t, env, "registry", "migrate")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("schema version %d", registry.PGSchemaVersion)) {
		t.Fatalf("migrate: %d %q %q", code, out, stderr)
	}
	code, _, stderr = cli(t, env, "registry", "add", p("debunked.jpg"), "--id", "flood-2025", "--title", "Old flood photo",
		"--fact-check", "https://example.org/fc/flood", "--publisher", "Example Checks")
	if code != 0 {
		t.Fatalf("add: %d %s", code, stderr)
	}
	code, out, stderr = cli(t, env, "check", "--format", "jsonl", p("repost.jpg"), p("unrelated.jpg"))
	if code != 0 {
		t.Fatalf("check: %d %s", code, stderr)
	}
	rs := decodeLines(t, out)
	if len(rs) != 2 || rs[0].Verdict != "match" || rs[0].Matches[0].EntryID != "flood-2025" || rs[1].Verdict != "no_match" {
		t.Errorf("check against PostgreSQL: %s", out)
	}
	if code, out, _ = cli(t, env, "registry", "export"); code != 0 || !strings.Contains(out, `"flood-2025"`) {
		t.Errorf("export: %d %.200s", code, out)
	}
	if code, _, stderr = cli(t, env, "registry", "remove", "flood-2025"); code != 0 {
		t.Fatalf("remove: %d %s", code, stderr)
	}
	if code, _, stderr = cli(t, env, "registry", "remove", "flood-2025"); code != exitUsage || !strings.Contains(stderr, "no such case") {
		t.Errorf("second remove: %d %s", code, stderr)
	}
	// An unreachable server is a registry error (exit 2) that shows no password.
	code, _, stderr = cli(t, map[string]string{"PROVCHECK_REGISTRY": "postgres://u:sekrit@/nodb?host=" + t.TempDir()}, "registry", "list")
	if code != exitUsage || strings.Contains(stderr, "sekrit") || !strings.Contains(stderr, "registry") {
		t.Errorf("unreachable registry: %d %q", code, stderr)
	}
}
