package server

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/provcheck/provcheck/internal/pgtest"
)

// TestLostDatabase serves a registry in PostgreSQL, stops the database
// server under it, and checks that writes fail with a clear 503 while
// checks go on from the last snapshot; once the database is back, writes
// work again and the service catches up.
func TestLostDatabase(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Registry = pgtest.DSN(t)
	cluster := pgtest.Shared(t)
	a := serveConfig(t, cfg)
	a.ts.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.s.Serve(ctx, ln) }()
	defer func() { cancel(); <-served }()
	waitFor(t, "the registry to load", a.s.ready.Load)
	m := getMedia(t)
	check := func(name string) string {
		t.Helper()
		body, ct := form(t, []formFile{{"file", name, m.read(t, name)}})
		return verdictOf(t, do(t, request(t, "POST", url+"/v1/check", body, "Content-Type", ct)))
	}
	post := func(id, name string) answer {
		body, ct := form(t, []formFile{{"file", name, m.read(t, name)}}, "id", id, "title", "A case "+id)
		return do(t, request(t, "POST", url+"/v1/entries", body, "Content-Type", ct, "Authorization", "Bearer "+testKey))
	}
	if a := post("photo-hoax", "photo.jpg"); a.status != 201 {
		t.Fatalf("register: %s", a)
	}
	if v := check("photo-small.jpg"); v != "match" {
		t.Fatalf("check after registering: %s", v)
	}

	if err := cluster.Kill(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			cluster.Restart()
		}
	}()
	w := post("other", "other.jpg")
	if w.status != 503 || w.json(t)["code"] != "registry_unavailable" || w.header.Get("Retry-After") == "" {
		t.Errorf("a write without the database: %s", w)
	}
	if strings.Contains(string(w.body), "SQLSTATE") || strings.Contains(string(w.body), ".s.PGSQL") {
		t.Errorf("the answer shows internal details: %s", w)
	}
	if v := check("photo-small.jpg"); v != "match" {
		t.Errorf("a check without the database: %s, want match from the last snapshot", v)
	}
	waitFor(t, "the watcher to notice", func() bool {
		r := do(t, request(t, "GET", url+"/readyz", nil))
		return r.status == 200 && r.json(t)["registry"] == "unreachable"
	})
	if mt := do(t, request(t, "GET", url+"/metrics", nil)); !strings.Contains(string(mt.body), "provcheck_registry_reachable 0") {
		t.Errorf("metrics do not say the registry is unreachable:\n%s", grep(mt.body, "reachable"))
	}

	if err := cluster.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	waitFor(t, "writes to work again", func() bool { return post("other", "other.jpg").status == 201 })
	if v := check("other.jpg"); v != "match" {
		t.Errorf("the case written after the database came back: %s", v)
	}
	waitFor(t, "the watcher to catch up", func() bool {
		r := do(t, request(t, "GET", url+"/readyz", nil))
		return r.status == 200 && r.json(t)["registry"] == nil && r.json(t)["cases"] == 2.0
	})
	mt := do(t, request(t, "GET", url+"/metrics", nil))
	for _, want := range []string{"provcheck_registry_reachable 1", "provcheck_index_lag_generations 0", `provcheck_index_refreshes_total{kind="delta"}`} {
		if !strings.Contains(string(mt.body), want) {
			t.Errorf("metrics lack %q:\n%s", want, grep(mt.body, "index"))
		}
	}
}
