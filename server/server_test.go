package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/buildinfo"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

func TestAuth(t *testing.T) {
	const second = "second-key-0123456789abcdef"
	open := newTestServer(t, func(c *rules.Config) { c.Server.APIKeys = []string{testKey, second} })
	keyed := newTestServer(t, func(c *rules.Config) { c.Server.APIKeys = []string{testKey}; c.Server.KeyedReads = true })
	none := newTestServer(t, func(c *rules.Config) { c.Server.APIKeys = nil })
	for _, ts := range []*testServer{open, keyed} {
		ts.register(t, photoCase, "photo.jpg")
	}
	photo := getMedia(t).read(t, "photo-small.jpg")
	write := func(ts *testServer) *http.Request {
		body, ct := form(t, []formFile{{"file", "photo.jpg", photo}}, "id", "new-case", "title", "New case")
		return request(t, "POST", ts.url+"/v1/entries", body, "Content-Type", ct)
	}
	del := func(ts *testServer) *http.Request {
		return request(t, "DELETE", ts.url+"/v1/entries/photo-hoax", nil)
	}
	list := func(ts *testServer) *http.Request { return request(t, "GET", ts.url+"/v1/entries", nil) }
	get := func(ts *testServer) *http.Request { return request(t, "GET", ts.url+"/v1/entries/photo-hoax", nil) }
	check := func(ts *testServer) *http.Request {
		return request(t, "POST", ts.url+"/v1/check", bytes.NewReader(photo))
	}
	health := func(ts *testServer) *http.Request { return request(t, "GET", ts.url+"/healthz", nil) }
	metrics := func(ts *testServer) *http.Request { return request(t, "GET", ts.url+"/metrics", nil) }

	tests := []struct {
		name   string
		ts     *testServer
		req    func(*testServer) *http.Request
		auth   string
		status int
	}{
		{"write without key", open, write, "", 401},
		{"write with another scheme", open, write, "Basic " + testKey, 401},
		{"write with wrong key", open, write, "Bearer wrong-key-0123456789abcdef", 403},
		{"write with a prefix of the key", open, write, "Bearer " + testKey[:10], 403},
		{"write with key", open, write, "Bearer " + testKey, 201},
		{"delete without key", open, del, "", 401},
		{"delete with wrong key", open, del, "Bearer " + second + "x", 403},
		{"delete with second key", open, del, "bearer " + second, 204},
		{"open list", open, list, "", 200},
		{"open check", open, check, "", 200},
		{"keyed list without key", keyed, list, "", 401},
		{"keyed list with wrong key", keyed, list, "Bearer " + second, 403},
		{"keyed list with key", keyed, list, "Bearer " + testKey, 200},
		{"keyed get without key", keyed, get, "", 401},
		{"keyed get with key", keyed, get, "Bearer " + testKey, 200},
		{"keyed check without key", keyed, check, "", 401},
		{"keyed check with key", keyed, check, "Bearer " + testKey, 200},
		{"keyed health is open", keyed, health, "", 200},
		{"keyed metrics are open", keyed, metrics, "", 200},
		{"no keys: write refused", none, write, "", 401},
		{"no keys: any key refused", none, write, "Bearer " + testKey, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req(tt.ts)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			a := do(t, req)
			if a.status != tt.status {
				t.Fatalf("got %s, want %d", a, tt.status)
			}
			switch tt.status {
			case 401:
				if a.header.Get("WWW-Authenticate") == "" || a.json(t)["code"] != "unauthorized" {
					t.Errorf("401 without WWW-Authenticate or code: %v %s", a.header, a.body)
				}
			case 403:
				if a.json(t)["code"] != "forbidden" {
					t.Errorf("%s", a)
				}
			}
			if strings.Contains(string(a.body), testKey) || strings.Contains(string(a.body), second) {
				t.Errorf("answer shows a key: %s", a.body)
			}
		})
	}
	if strings.Contains(open.log.String(), testKey) || strings.Contains(open.log.String(), second) {
		t.Error("the log shows a key")
	}
}

// slowUpload starts a check whose body arrives in two parts: the first
// now, the rest when the returned function is called. The request counts
// as an upload in progress until its body is complete.
func slowUpload(t *testing.T, url string, data []byte) (finish func() answer) {
	t.Helper()
	pr, pw := io.Pipe()
	req := request(t, "POST", url+"/v1/check", pr, "Content-Type", "image/jpeg")
	req.ContentLength = int64(len(data))
	type result struct {
		a   answer
		err error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- result{answer{resp.StatusCode, resp.Header, b}, err}
	}()
	if _, err := pw.Write(data[:1000]); err != nil {
		t.Fatal(err)
	}
	return func() answer {
		t.Helper()
		if _, err := pw.Write(data[1000:]); err != nil {
			t.Fatalf("writing the rest of the upload: %v", err)
		}
		pw.Close()
		r := <-done
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.a
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// gatedFFprobe is an ffprobe that waits until open is called before it
// runs the real one: a video check holds its worker until then.
func gatedFFprobe(t *testing.T) (path string, open func()) {
	t.Helper()
	real, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Skip("no ffprobe")
	}
	dir := t.TempDir()
	gate := filepath.Join(dir, "gate")
	path = filepath.Join(dir, "ffprobe")
	script := fmt.Sprintf("#!/bin/sh\nwhile [ ! -e %q ]; do sleep 0.02; done\nexec %q \"$@\"\n", gate, real)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, func() { os.WriteFile(gate, nil, 0o600) }
}

func TestQueueFull(t *testing.T) {
	probe, open := gatedFFprobe(t)
	defer open()
	ts := newTestServer(t, func(c *rules.Config) { c.Server.Workers = 1; c.Server.QueueSize = 0; c.FFprobe = probe })
	ts.register(t, photoCase, "photo.jpg")
	data := getMedia(t).read(t, "photo-small.jpg")
	first := make(chan answer, 1)
	go func() { first <- ts.checkFile(t, "clip.mp4", "") }()
	waitFor(t, "the video check to take the only place", func() bool { return ts.s.queue.busy() == 1 })

	start := time.Now()
	a := do(t, request(t, "POST", ts.url+"/v1/check", bytes.NewReader(data)))
	if a.status != http.StatusServiceUnavailable || a.json(t)["code"] != "busy" {
		t.Fatalf("second check while the queue is full: %s", a)
	}
	if ra, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q", a.header.Get("Retry-After"))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refusing took %s; it should not wait", d)
	}
	// Registering media needs a place too.
	body, ct := form(t, []formFile{{"file", "p.jpg", data}}, "title", "x")
	if a := do(t, request(t, "POST", ts.url+"/v1/entries", body, "Content-Type", ct, "Authorization", "Bearer "+testKey)); a.status != 503 {
		t.Errorf("registration while the queue is full: %s", a)
	}
	// Reads do not.
	if a := do(t, request(t, "GET", ts.url+"/v1/entries", nil)); a.status != 200 {
		t.Errorf("list while the queue is full: %s", a)
	}
	open()
	if a := <-first; a.status != http.StatusOK {
		t.Errorf("the admitted check: %s", a)
	}
	if a := do(t, request(t, "POST", ts.url+"/v1/check", bytes.NewReader(data))); verdictOf(t, a) != "match" {
		t.Errorf("after the queue emptied: %s", a)
	}
	m := do(t, request(t, "GET", ts.url+"/metrics", nil))
	if !strings.Contains(string(m.body), "\nprovcheck_queue_rejected_total 2\n") {
		t.Errorf("rejections not counted:\n%s", grep(m.body, "rejected"))
	}
}

func grep(b []byte, s string) string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestQueue(t *testing.T) {
	q := newQueue(1, 1)
	r1, ok1 := q.admit()
	r2, ok2 := q.admit()
	_, ok3 := q.admit()
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("admit: %v %v %v; want two places", ok1, ok2, ok3)
	}
	if q.rejected.Load() != 1 {
		t.Errorf("rejected %d", q.rejected.Load())
	}
	hold, held := make(chan struct{}), make(chan struct{})
	go q.do(context.Background(), func() { close(held); <-hold })
	<-held
	// The second waits for the worker and gives up with its context.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ran := false
	if err := q.do(ctx, func() { ran = true }); !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Errorf("do with a busy worker: %v ran=%v", err, ran)
	}
	if q.waiting.Load() != 0 {
		t.Errorf("waiting %d after giving up", q.waiting.Load())
	}
	close(hold)
	if err := q.do(context.Background(), func() { ran = true }); err != nil || !ran {
		t.Errorf("do with a free worker: %v ran=%v", err, ran)
	}
	r1()
	r1() // releasing twice frees one place only
	if q.inFlight() != 1 {
		t.Errorf("in flight %d", q.inFlight())
	}
	r2()
	if q.retryAfter() < 1 {
		t.Errorf("retryAfter %d", q.retryAfter())
	}
}

func TestEntryLifecycle(t *testing.T) {
	ts := newTestServer(t, nil)
	m := getMedia(t)
	auth := []string{"Authorization", "Bearer " + testKey}
	post := func(files []formFile, fields ...string) answer {
		body, ct := form(t, files, fields...)
		return do(t, request(t, "POST", ts.url+"/v1/entries", body, append([]string{"Content-Type", ct}, auth...)...))
	}
	if v := verdictOf(t, ts.checkFile(t, "photo-small.jpg", "")); v != "no_match" {
		t.Fatalf("before registering: %s", v)
	}
	a := post([]formFile{{"file", `C:\Users\desk\photo.jpg`, m.read(t, "photo.jpg")}},
		"title", "Doctored photo of a flooded square", "rating", "False", "category", "editedorcroppedcontent",
		"tag", "flood, weather", "tag", "photo", "note", "sent by a reader",
		"fact_check", "https://example.org/fc/flood", "publisher", "Example Checks", "published", "2025-12-05")
	if a.status != http.StatusCreated {
		t.Fatalf("create: %s", a)
	}
	var c registry.Case
	json.Unmarshal(a.body, &c)
	if c.ID != "doctored-photo-of-a-flooded-square" || a.header.Get("Location") != "/v1/entries/"+c.ID ||
		c.Category != registry.EditedOrCroppedContent || strings.Join(c.Tags, "|") != "flood|weather|photo" ||
		len(c.Media) != 1 || c.Media[0].Name != "photo.jpg" || c.Media[0].Note != "sent by a reader" ||
		c.Media[0].Fingerprint.Frames != nil || len(c.FactChecks) != 1 || c.FactChecks[0].Rating != "False" {
		t.Errorf("created case: %s", a.body)
	}
	// At once matchable.
	rep := ts.checkFile(t, "photo-small.jpg", "")
	if verdictOf(t, rep) != "match" || !strings.Contains(string(rep.body), `"entry_id":"`+c.ID+`"`) {
		t.Fatalf("after registering: %s", rep)
	}
	// Append a medium and a fact-check to the case.
	a = post([]formFile{{"file", "other.jpg", m.read(t, "other.jpg")}}, "id", c.ID,
		"fact_check", "https://factcheck.example.net/flood", "publisher", "Other Desk")
	if a.status != http.StatusOK {
		t.Fatalf("append: %s", a)
	}
	json.Unmarshal(a.body, &c)
	if len(c.Media) != 2 || len(c.FactChecks) != 2 || c.Title != "Doctored photo of a flooded square" {
		t.Errorf("appended case: %s", a.body)
	}
	if v := verdictOf(t, ts.checkFile(t, "other.jpg", "")); v != "match" {
		t.Errorf("appended medium: %s", v)
	}
	// Read it back.
	a = do(t, request(t, "GET", ts.url+"/v1/entries", nil))
	var list listBody
	if json.Unmarshal(a.body, &list); a.status != 200 || len(list.Entries) != 1 || list.Entries[0].ID != c.ID || list.Entries[0].Media != 2 {
		t.Errorf("list: %s", a)
	}
	a = do(t, request(t, "GET", ts.url+"/v1/entries/"+c.ID+"?frames=true", nil))
	var full registry.Case
	if json.Unmarshal(a.body, &full); a.status != 200 || len(full.Media) != 2 || len(full.Media[0].Fingerprint.Frames) != 1 {
		t.Errorf("get with frames: %s", a)
	}
	if a := do(t, request(t, "GET", ts.url+"/v1/entries/"+c.ID+"?frames=maybe", nil)); a.status != 400 {
		t.Errorf("frames=maybe: %s", a)
	}
	// Delete: no longer matches.
	if a := do(t, request(t, "DELETE", ts.url+"/v1/entries/"+c.ID, nil, auth...)); a.status != http.StatusNoContent {
		t.Fatalf("delete: %s", a)
	}
	if v := verdictOf(t, ts.checkFile(t, "photo-small.jpg", "")); v != "no_match" {
		t.Errorf("after deleting: %s", v)
	}
	for _, method := range []string{"GET", "DELETE"} {
		if a := do(t, request(t, method, ts.url+"/v1/entries/"+c.ID, nil, auth...)); a.status != 404 || a.json(t)["code"] != "not_found" {
			t.Errorf("%s after deleting: %s", method, a)
		}
	}
}

func TestEntryErrors(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.register(t, photoCase, "photo.jpg")
	m := getMedia(t)
	photo := []formFile{{"file", "p.jpg", m.read(t, "photo-small.jpg")}}
	tests := []struct {
		name   string
		files  []formFile
		fields []string
		status int
		code   string
	}{
		{"no id or title", photo, nil, 400, "bad_form"},
		{"unknown id without title", photo, []string{"id", "nothing-here"}, 404, "not_found"},
		{"new case without media", nil, []string{"title", "Empty case"}, 400, "no_file"},
		{"bad id", photo, []string{"id", "Bad ID!", "title", "x"}, 400, "bad_form"},
		{"bad category", photo, []string{"title", "x", "category", "Fake"}, 400, "bad_form"},
		{"fact-check without publisher", photo, []string{"title", "x", "fact_check", "https://example.org/x"}, 400, "bad_form"},
		{"bad fact-check URL", photo, []string{"title", "x", "fact_check", "javascript:alert(1)", "publisher", "P"}, 422, "invalid_entry"},
		{"bad date", photo, []string{"title", "x", "first_seen", "last week"}, 422, "invalid_entry"},
		{"unknown field", photo, []string{"title", "x", "colour", "red"}, 400, "bad_form"},
		{"not media", []formFile{{"file", "notes.txt", m.read(t, "notes.txt")}}, []string{"title", "x"}, 415, "unsupported_media"},
		{"corrupt medium", append(photo, formFile{"file", "broken.jpg", m.read(t, "truncated.jpg")}), []string{"title", "x"}, 422, "unreadable_media"},
	}
	before := do(t, request(t, "GET", ts.url+"/v1/entries", nil)).body
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := form(t, tt.files, tt.fields...)
			a := do(t, request(t, "POST", ts.url+"/v1/entries", body, "Content-Type", ct, "Authorization", "Bearer "+testKey))
			if a.status != tt.status || a.json(t)["code"] != tt.code {
				t.Errorf("got %s, want %d %s", a, tt.status, tt.code)
			}
			assertNoInternals(t, a)
		})
	}
	// Metadata alone may be added to an existing case.
	body, ct := form(t, nil, "id", "photo-hoax", "fact_check", "https://example.net/more", "publisher", "Third Desk")
	a := do(t, request(t, "POST", ts.url+"/v1/entries", body, "Content-Type", ct, "Authorization", "Bearer "+testKey))
	if a.status != 200 || !strings.Contains(string(a.body), "Third Desk") {
		t.Errorf("fact-check only: %s", a)
	}
	after := do(t, request(t, "GET", ts.url+"/v1/entries", nil)).body
	var b, c listBody
	json.Unmarshal(before, &b)
	json.Unmarshal(after, &c)
	if len(b.Entries) != 1 || len(c.Entries) != 1 || b.Entries[0].Media != c.Entries[0].Media {
		t.Errorf("failed requests changed the registry:\n%s\n%s", before, after)
	}
}

func TestBundleImport(t *testing.T) {
	src := newTestServer(t, nil)
	src.register(t, photoCase, "photo.jpg")
	cases, err := src.e.Store().All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var bundle bytes.Buffer
	registry.NewBundle(cases, time.Now()).WriteJSON(&bundle)

	ts := newTestServer(t, nil)
	auth := []string{"Content-Type", "application/json", "Authorization", "Bearer " + testKey}
	bad := strings.Replace(bundle.String(), `"provcheck-registry"`, `"something-else"`, 1)
	if a := do(t, request(t, "POST", ts.url+"/v1/entries", strings.NewReader(bad), auth...)); a.status != 422 ||
		a.json(t)["code"] != "invalid_bundle" || !strings.Contains(string(a.body), "format") {
		t.Errorf("bad bundle: %s", a)
	}
	a := do(t, request(t, "POST", ts.url+"/v1/entries", bytes.NewReader(bundle.Bytes()), auth...))
	if a.status != 200 || !strings.Contains(string(a.body), `"entries":["photo-hoax"]`) {
		t.Fatalf("import: %s", a)
	}
	if v := verdictOf(t, ts.checkFile(t, "photo-small.jpg", "")); v != "match" {
		t.Errorf("after import: %s", v)
	}
}

// TestRegistryChangesSeenAtOnce writes to the registry behind the server's
// back, through the engine's store: the next check sees each change.
func TestRegistryChangesSeenAtOnce(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		ts.register(t, photoCase, "photo.jpg")
		if v := verdictOf(t, ts.checkFile(t, "photo-small.jpg", "")); v != "match" {
			t.Fatalf("round %d after adding: %s", i, v)
		}
		if err := ts.e.Store().Remove(ctx, photoCase.ID); err != nil {
			t.Fatal(err)
		}
		if v := verdictOf(t, ts.checkFile(t, "photo-small.jpg", "")); v != "no_match" {
			t.Fatalf("round %d after removing: %s", i, v)
		}
	}
}

// TestTwoServersShareRegistry runs two services, each with its own engine,
// on one registry file, as two `provcheck serve` processes would.
func TestTwoServersShareRegistry(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	a, b := serveConfig(t, cfg), serveConfig(t, cfg)
	// b has loaded the empty registry before a writes.
	if v := verdictOf(t, b.checkFile(t, "photo-small.jpg", "")); v != "no_match" {
		t.Fatalf("before: %s", v)
	}
	body, ct := form(t, []formFile{{"file", "photo.jpg", getMedia(t).read(t, "photo.jpg")}}, "id", "shared", "title", "Shared case")
	if r := do(t, request(t, "POST", a.url+"/v1/entries", body, "Content-Type", ct, "Authorization", "Bearer "+testKey)); r.status != 201 {
		t.Fatalf("register on a: %s", r)
	}
	seen := func(ts *testServer, want string) time.Duration {
		start := time.Now()
		for {
			v := verdictOf(t, ts.checkFile(t, "photo-small.jpg", ""))
			if v == want {
				return time.Since(start)
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("still %s after 5 s", v)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf("b saw a's registration after %s", seen(b, "match"))
	if r := do(t, request(t, "DELETE", b.url+"/v1/entries/shared", nil, "Authorization", "Bearer "+testKey)); r.status != 204 {
		t.Fatalf("delete on b: %s", r)
	}
	t.Logf("a saw b's deletion after %s", seen(a, "no_match"))
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (\S+)$`)

func TestMetrics(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.register(t, photoCase, "photo.jpg")
	ts.s.load(context.Background())
	snap, err := ts.e.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"photo-small.jpg", "photo.jpg", "other.jpg", "notes.txt"} {
		ts.checkFile(t, f, "")
	}
	do(t, request(t, "GET", ts.url+"/no/such/page", nil))
	a := do(t, request(t, "GET", ts.url+"/metrics", nil))
	if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("%d %s", a.status, a.header.Get("Content-Type"))
	}
	types := map[string]string{}
	values := map[string]float64{}
	var bucketRuns = map[string][]float64{}
	for _, line := range strings.Split(strings.TrimSuffix(string(a.body), "\n"), "\n") {
		if strings.HasPrefix(line, "# TYPE ") {
			f := strings.Fields(line)
			if _, dup := types[f[2]]; dup {
				t.Errorf("TYPE of %s twice", f[2])
			}
			types[f[2]] = f[3]
			continue
		}
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("not a sample line: %q", line)
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Errorf("bad value: %q", line)
		}
		family := m[1]
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if base := strings.TrimSuffix(family, suf); base != family && (types[base] == "histogram" || types[base] == "summary") {
				family = base
			}
		}
		if types[family] == "" {
			t.Errorf("sample before its TYPE: %q", line)
		}
		values[m[1]+m[2]] = v
		if strings.HasSuffix(m[1], "_bucket") {
			series := m[1] + regexp.MustCompile(`,?le="[^"]*"`).ReplaceAllString(m[2], "")
			bucketRuns[series] = append(bucketRuns[series], v)
		}
	}
	for series, counts := range bucketRuns {
		for i := 1; i < len(counts); i++ {
			if counts[i] < counts[i-1] {
				t.Errorf("%s: buckets not cumulative: %v", series, counts)
			}
		}
		count := strings.Replace(strings.Replace(series, "_bucket", "_count", 1), "{,", "{", 1)
		if counts[len(counts)-1] != values[count] {
			t.Errorf("%s: +Inf bucket %v, count %v", series, counts[len(counts)-1], values[count])
		}
	}
	// The standard process and runtime metrics.
	for _, name := range []string{"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
		"process_start_time_seconds", "go_goroutines", "go_memstats_heap_alloc_bytes", "go_gc_duration_seconds_count"} {
		if _, ok := values[name]; !ok {
			t.Errorf("standard metric %s is missing", name)
		}
	}
	for key, want := range map[string]float64{
		`provcheck_checks_total{verdict="match"}`:                               2,
		`provcheck_checks_total{verdict="no_match"}`:                            1,
		`provcheck_checks_total{verdict="possible_match"}`:                      0,
		`provcheck_http_requests_total{route="POST /v1/check",code="200"}`:      3,
		`provcheck_http_requests_total{route="POST /v1/check",code="415"}`:      1,
		`provcheck_http_requests_total{route="unmatched",code="404"}`:           1,
		`provcheck_http_request_duration_seconds_count{route="POST /v1/check"}`: 4,
		`provcheck_check_duration_seconds_count{kind="image"}`:                  3,
		`provcheck_registry_cases`:                                              1,
		`provcheck_registry_hashes`:                                             float64(snap.Index.Len()),
		`provcheck_queue_depth`:                                                 0,
		`provcheck_queue_capacity`:                                              float64(cap(ts.s.queue.places)),
		`provcheck_ready`:                                                       1,
		`provcheck_build_info{version="test",commit="` + testBuild.Commit + `",date="` + testBuild.Date + `",go_version="` + goVersion() + `"}`: 1,
		`provcheck_http_request_duration_seconds_bucket{route="GET /healthz",le="+Inf"}`:                                                        0,
	} {
		if got, ok := values[key]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", key, got, ok, want)
		}
	}
}

func TestHealthAndReady(t *testing.T) {
	ts := newTestServer(t, nil)
	if a := do(t, request(t, "GET", ts.url+"/healthz", nil)); a.status != 200 || a.json(t)["status"] != "ok" ||
		a.json(t)["version"] != "test" || a.json(t)["commit"] != testBuild.Commit || a.json(t)["date"] != testBuild.Date ||
		a.json(t)["go_version"] != goVersion() {
		t.Errorf("healthz: %s", a)
	}
	// Not loaded yet: Serve loads the registry; httptest does not.
	if a := do(t, request(t, "GET", ts.url+"/readyz", nil)); a.status != 503 || a.json(t)["status"] != "loading" {
		t.Errorf("readyz before loading: %s", a)
	}
	ts.s.load(context.Background())
	ts.register(t, photoCase, "photo.jpg")
	a := do(t, request(t, "GET", ts.url+"/readyz", nil))
	if a.status != 200 || a.json(t)["status"] != "ready" || a.json(t)["cases"] != 1.0 {
		t.Errorf("readyz: %s", a)
	}
	// A registry that fails is reported, without its error.
	ts.e.Close()
	a = do(t, request(t, "GET", ts.url+"/readyz", nil))
	if a.status != 503 || a.json(t)["status"] != "registry_unavailable" {
		t.Errorf("readyz with the registry closed: %s", a)
	}
}

func TestInternalErrorsStayInTheLog(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.e.Close() // every registry call now fails
	for _, a := range []answer{
		do(t, request(t, "GET", ts.url+"/v1/entries", nil)),
		ts.checkFile(t, "photo-small.jpg", ""),
	} {
		if a.status != 500 || a.json(t)["code"] != "internal" || a.json(t)["request_id"] == "" {
			t.Errorf("%s", a)
		}
		assertNoInternals(t, a)
		if !strings.Contains(ts.log.String(), a.json(t)["request_id"].(string)) {
			t.Errorf("the log lacks request %v", a.json(t)["request_id"])
		}
	}
	if !strings.Contains(ts.log.String(), "closed") {
		t.Errorf("the log lacks the error:\n%s", ts.log)
	}

	// A panic is logged with its stack and answered with a bare 500.
	h := ts.s.instrument(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom at /secret/path") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "boom") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("panic answer: %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(ts.log.String(), "boom at /secret/path") || !strings.Contains(ts.log.String(), "goroutine") {
		t.Error("the panic and its stack are not logged")
	}
}

func TestAccessLog(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.checkFile(t, "other.jpg", "")
	// The line is written once the answer has gone.
	var entry map[string]any
	waitFor(t, "the access log line", func() bool {
		sc := bufio.NewScanner(strings.NewReader(ts.log.String()))
		for sc.Scan() {
			var e map[string]any
			if json.Unmarshal(sc.Bytes(), &e) == nil && e["msg"] == "request" {
				entry = e
			}
		}
		return entry != nil
	})
	for k, want := range map[string]any{"method": "POST", "path": "/v1/check", "route": "POST /v1/check", "status": 200.0, "verdict": "no_match"} {
		if entry[k] != want {
			t.Errorf("%s = %v, want %v", k, entry[k], want)
		}
	}
	for _, k := range []string{"request_id", "duration_ms", "bytes", "remote"} {
		if _, ok := entry[k]; !ok {
			t.Errorf("no %s in %v", k, entry)
		}
	}
}

// TestGracefulShutdown cancels Serve while an upload is in flight: new
// connections are refused at once, the upload finishes and is answered,
// and Serve returns.
func TestGracefulShutdown(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	ts := serveConfig(t, cfg)
	ts.ts.Close()
	ts.register(t, photoCase, "photo.jpg")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- ts.s.Serve(ctx, ln) }()
	waitFor(t, "readiness", func() bool {
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	finish := slowUpload(t, url, getMedia(t).read(t, "photo-small.jpg"))
	waitFor(t, "the upload to start", func() bool { return ts.s.uploads.active.Load() == 1 })
	cancel()
	waitFor(t, "the listener to close", func() bool {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	select {
	case err := <-served:
		t.Fatalf("Serve returned with a request in flight: %v", err)
	default:
	}
	if a := finish(); verdictOf(t, a) != "match" {
		t.Errorf("the request in flight: %s", a)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the last request")
	}
}

func goVersion() string { return runtime.Version() }

// testBuild is the build the test servers report.
var testBuild = buildinfo.Info{Version: "test", Commit: "0123456789abcdef0123456789abcdef01234567",
	Date: "2026-12-01T21:00:00Z", GoVersion: runtime.Version()}

// TestUnmatchedErrorsAreJSON: a path no route serves is 404, a route asked
// with the wrong method 405 with Allow, both with the documented error body.
func TestUnmatchedErrorsAreJSON(t *testing.T) {
	ts := newTestServer(t, nil)
	var doc map[string]any
	json.Unmarshal(ts.s.OpenAPI(), &doc)
	codes := resolve(doc, "#/components/schemas/Error/properties/code/enum").([]any)
	for _, tt := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"GET", "/no/such/page", 404, "not_found", ""},
		{"GET", "/v1/check", 405, "method_not_allowed", "POST"},
		{"PUT", "/v1/entries/x", 405, "method_not_allowed", "DELETE, GET, HEAD"},
		{"POST", "/healthz", 405, "method_not_allowed", "GET, HEAD"},
	} {
		a := do(t, request(t, tt.method, ts.url+tt.path, nil))
		if a.status != tt.status || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: %s (%s)", tt.method, tt.path, a, a.header.Get("Content-Type"))
			continue
		}
		body := a.json(t)
		if body["code"] != tt.code || body["error"] == "" || body["request_id"] != a.header.Get("X-Request-Id") {
			t.Errorf("%s %s: body %v", tt.method, tt.path, body)
		}
		if !slices.Contains(codes, any(tt.code)) {
			t.Errorf("code %s is not documented", tt.code)
		}
		if got := a.header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, got, tt.allow)
		}
	}
}

// TestWatcherReloadsChangesOfOtherProcesses writes through one service and
// watches a second, running Serve on the same registry file, apply it
// without being asked.
func TestWatcherReloadsChangesOfOtherProcesses(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	a, b := serveConfig(t, cfg), serveConfig(t, cfg)
	b.ts.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- b.s.Serve(ctx, ln) }()
	defer func() { cancel(); <-served }()
	waitFor(t, "b to load the registry", b.s.ready.Load)
	a.register(t, photoCase, "photo.jpg")
	start := time.Now()
	waitFor(t, "b to reload", func() bool { return strings.Contains(b.log.String(), `"msg":"registry updated"`) })
	if d := time.Since(start); d > 3*refreshInterval {
		t.Errorf("b reloaded after %s", d)
	}
	if !strings.Contains(b.log.String(), `"cases":1`) {
		t.Errorf("reload log: %s", grep(b.log.Bytes(), "updated"))
	}
}
