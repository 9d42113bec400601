package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/pgtest"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// testFiles are generated once for the package's tests: a photo and a smaller
// re-encoded copy of it, an unrelated photo, a short clip, and files that
// are not media.
type testFiles struct {
	dir string
}

func (m *testFiles) path(name string) string { return filepath.Join(m.dir, name) }

func (m *testFiles) read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(m.path(name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	mediaOnce sync.Once
	mediaFix  *testFiles
	mediaErr  error
)

func getMedia(t testing.TB) *testFiles {
	t.Helper()
	mediaOnce.Do(func() { mediaFix, mediaErr = makeMedia() })
	if mediaErr != nil {
		t.Fatal(mediaErr)
	}
	return mediaFix
}

func makeMedia() (*testFiles, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "provcheck-server-test-")
	if err != nil {
		return nil, err
	}
	m := &testFiles{dir: dir}
	p := m.path
	if err := testmedia.WriteJPEG(p("photo.jpg"), testmedia.Picture(5, 1200, 800), 92); err != nil {
		return nil, err
	}
	if err := testmedia.WriteJPEG(p("other.jpg"), testmedia.Picture(6, 1200, 800), 92); err != nil {
		return nil, err
	}
	if err := testmedia.WriteVideo(ctx, p("clip.mp4"), testmedia.VideoSpec{Seed: 11, W: 480, H: 270, FPS: 25, Seconds: 6, Scene: 2}); err != nil {
		return nil, err
	}
	if err := testmedia.FFmpeg(ctx, "-i", p("photo.jpg"), "-vf", "scale=600:-2", "-q:v", "10", p("photo-small.jpg")); err != nil {
		return nil, err
	}
	for name, data := range map[string]string{
		"notes.txt":  "Reader tip: the video is fake.\n",
		"page.html":  "<!DOCTYPE html><html><body>not media</body></html>",
		"doc.pdf":    "%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n",
		"photo.heic": "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + strings.Repeat("\x00", 64),
	} {
		if err := os.WriteFile(p(name), []byte(data), 0o644); err != nil {
			return nil, err
		}
	}
	photo, err := os.ReadFile(p("photo.jpg"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(p("truncated.jpg"), photo[:len(photo)/3], 0o644); err != nil {
		return nil, err
	}
	return m, nil
}

// observed collects every route and status the test servers answered, so
// TestMain can check that openapi.json documents each of them.
var observed = struct {
	sync.Mutex
	m map[string]map[int]bool
}{m: map[string]map[int]bool{}}

func observe(route string, status int) {
	observed.Lock()
	defer observed.Unlock()
	if observed.m[route] == nil {
		observed.m[route] = map[int]bool{}
	}
	observed.m[route][status] = true
}

func TestMain(m *testing.M) {
	code := pgtest.Main(m) // runs the tests, then stops the PostgreSQL server if one was started
	if code == 0 {
		if err := checkObservedDocumented(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL: statuses answered but not in openapi.json:", err)
			code = 1
		}
	}
	if mediaFix != nil {
		os.RemoveAll(mediaFix.dir)
	}
	if benchFix != nil {
		benchFix.cleanup()
	}
	os.Exit(code)
}

// testKey is an API key the test servers accept.
const testKey = "test-key-0123456789abcdef"

type testServer struct {
	s   *Server
	e   *engine.Engine
	ts  *httptest.Server
	url string
	log *logBuffer
}

// logBuffer collects a server's log; safe to read while it is written.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) Bytes() []byte { return []byte(l.String()) }

// testConfig is the default configuration on a fresh registry in dir.
func testConfig(t testing.TB, dir string) rules.Config {
	t.Helper()
	cfg, err := rules.Defaults().Translate()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Registry = filepath.Join(dir, "registry.db")
	cfg.Server.APIKeys = []string{testKey}
	return cfg
}

// newTestServer serves a fresh registry through httptest on loopback.
func newTestServer(t testing.TB, mod func(*rules.Config)) *testServer {
	t.Helper()
	cfg := testConfig(t, t.TempDir())
	if mod != nil {
		mod(&cfg)
	}
	return serveConfig(t, cfg)
}

func serveConfig(t testing.TB, cfg rules.Config) *testServer {
	t.Helper()
	e, err := engine.New(context.Background(), cfg, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	logBuf := &logBuffer{}
	s, err := New(e, Options{Logger: slog.New(slog.NewJSONHandler(logBuf, nil)), Build: testBuild})
	if err != nil {
		t.Fatal(err)
	}
	s.observe = observe
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &testServer{s: s, e: e, ts: ts, url: ts.URL, log: logBuf}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *syncWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(b)
}

// register adds files of the media fixture to the registry under a case.
func (ts *testServer) register(t testing.TB, c registry.Case, files ...string) {
	t.Helper()
	m := getMedia(t)
	var paths []string
	for _, f := range files {
		paths = append(paths, m.path(f))
	}
	if _, err := ts.e.Register(context.Background(), engine.AddRequest{Case: c, Files: paths}); err != nil {
		t.Fatal(err)
	}
}

var photoCase = registry.Case{
	ID: "photo-hoax", Title: "Doctored photo of a flooded square", Rating: "False",
	Claim:    "Photo shows the square flooded this week",
	Category: registry.EditedOrCroppedContent,
	FactChecks: []registry.FactCheck{
		{Publisher: "Example Checks", URL: "https://example.org/fc/flood", Rating: "False", Date: "2025-12-05"},
		{Publisher: "Other Desk", URL: "https://factcheck.example.net/flood-photo"},
	},
}

// answer is a decoded response.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("status %d: body is not a JSON object: %v: %s", a.status, err, a.body)
	}
	return v
}

func (a answer) String() string { return fmt.Sprintf("%d %s", a.status, a.body) }

func do(t testing.TB, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, body}
}

func request(t testing.TB, method, url string, body io.Reader, header ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// form builds a multipart body: files as (field, name, data) and fields.
type formFile struct {
	field, name string
	data        []byte
}

func form(t testing.TB, files []formFile, fields ...string) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

// checkFile posts a fixture file to /v1/check as multipart.
func (ts *testServer) checkFile(t testing.TB, name string, query string, header ...string) answer {
	t.Helper()
	body, ct := form(t, []formFile{{"file", name, getMedia(t).read(t, name)}})
	return do(t, request(t, "POST", ts.url+"/v1/check"+query, body, append([]string{"Content-Type", ct}, header...)...))
}

func verdictOf(t testing.TB, a answer) string {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("check: %s", a)
	}
	v, _ := a.json(t)["verdict"].(string)
	return v
}
