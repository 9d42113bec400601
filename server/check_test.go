package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

func TestCheckMultipartAndRawBody(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.register(t, photoCase, "photo.jpg")
	m := getMedia(t)
	want, err := ts.e.Check(context.Background(), m.path("photo-small.jpg"))
	if err != nil || want.Failed() || want.Verdict != rules.Match {
		t.Fatalf("engine check: %v %+v", err, want)
	}
	wantJSON, _ := json.Marshal(want)
	var wantMap map[string]any
	json.Unmarshal(wantJSON, &wantMap)

	multi := ts.checkFile(t, "photo-small.jpg", "")
	raw := do(t, request(t, "POST", ts.url+"/v1/check", bytes.NewReader(m.read(t, "photo-small.jpg")),
		"Content-Type", "application/octet-stream"))
	// The content decides the type, not the declared one.
	lying := do(t, request(t, "POST", ts.url+"/v1/check", bytes.NewReader(m.read(t, "photo-small.jpg")),
		"Content-Type", "video/mp4"))
	for _, tt := range []struct {
		name string
		a    answer
		file string
	}{{"multipart", multi, "photo-small.jpg"}, {"raw", raw, "upload"}, {"declared video", lying, "upload"}} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.a.status != http.StatusOK {
				t.Fatalf("%s", tt.a)
			}
			if ct := tt.a.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			got := tt.a.json(t)
			// The same JSON as `check --format json`, plus reply.
			wantKeys := append(slices.Sorted(maps.Keys(wantMap)), "reply")
			slices.Sort(wantKeys)
			if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, wantKeys) {
				t.Errorf("keys %v, want %v", keys, wantKeys)
			}
			if got["file"] != tt.file {
				t.Errorf("file %v, want %q", got["file"], tt.file)
			}
			for _, k := range []string{"kind", "verdict", "action", "matches", "frames_checked"} {
				if !jsonEqual(got[k], wantMap[k]) {
					t.Errorf("%s: %v, want %v", k, got[k], wantMap[k])
				}
			}
			if reply, _ := got["reply"].(string); !strings.Contains(reply, photoCase.Title) {
				t.Errorf("reply %q lacks the case title", reply)
			}
			if tt.a.header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
		})
	}
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// possibleCase registers the clip's own query fingerprint with every frame
// hash moved 38 bits away: each query frame then finds its twin beyond the
// match distance (31) but within the possible distance (45), which the
// policy calls a possible match.
func possibleCase(t *testing.T, ts *testServer) {
	t.Helper()
	ctx := context.Background()
	fp, err := ts.e.Fingerprint(ctx, getMedia(t).path("clip.mp4"), ts.e.QuerySampling())
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range fp.Frames {
		f := &fp.Frames[i]
		f.Views = nil
		f.Local = nil // a lookalike by its hashes only: its local features would be the clip's own
		for _, bit := range r.Perm(256)[:38] {
			f.PDQ[bit/64] ^= 1 << (bit % 64)
		}
	}
	c := registry.Case{ID: "lookalike", Title: "Staged clip of a street protest", Rating: "Misleading",
		FactChecks: []registry.FactCheck{{Publisher: "Example Checks", URL: "https://example.org/fc/protest"}},
		Media:      []registry.Media{{SHA256: strings.Repeat("ab", 32), Name: "protest.mp4", Fingerprint: *fp}}}
	if err := ts.e.Store().Import(ctx, []registry.Case{c}); err != nil {
		t.Fatal(err)
	}
}

func TestReplyForEachVerdict(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.register(t, photoCase, "photo.jpg")
	possibleCase(t, ts)
	tests := []struct {
		file    string
		format  string
		verdict rules.Verdict
		want    []string
		not     []string
	}{
		{"photo-small.jpg", "", rules.Match, []string{"Debunked:", `"Doctored photo of a flooded square"`, "Rating: False",
			"Claim: Photo shows the square flooded this week", "Example Checks (rated False, 2025-12-05): https://example.org/fc/flood",
			"Other Desk: https://factcheck.example.net/flood-photo"}, []string{"**", "not certain"}},
		{"photo-small.jpg", "markdown", rules.Match, []string{"**Debunked:**", "**Doctored photo of a flooded square**",
			"Rating: *False*", "[Example Checks](https://example.org/fc/flood)", "[Other Desk](https://factcheck.example.net/flood-photo)"}, nil},
		{"clip.mp4", "text", rules.PossibleMatch, []string{"Possibly debunked:", "not certain", `"Staged clip of a street protest"`,
			"Rating: Misleading", "- Example Checks: https://example.org/fc/protest", "Matching part: 0:00–0:0"}, nil},
		{"clip.mp4", "markdown", rules.PossibleMatch, []string{"**Possibly debunked:**", "[Example Checks](https://example.org/fc/protest)"}, nil},
		{"other.jpg", "", rules.NoMatch, []string{"No known debunk found for this image", "fact-checker has been notified"},
			[]string{"Debunked", "Rating"}},
		{"other.jpg", "markdown", rules.NoMatch, []string{"**No known debunk found**"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+string(tt.verdict)+"/"+tt.format, func(t *testing.T) {
			q := ""
			if tt.format != "" {
				q = "?reply_format=" + tt.format
			}
			a := ts.checkFile(t, tt.file, q)
			if v := verdictOf(t, a); v != string(tt.verdict) {
				t.Fatalf("verdict %s, want %s: %s", v, tt.verdict, a.body)
			}
			reply, _ := a.json(t)["reply"].(string)
			for _, w := range tt.want {
				if !strings.Contains(reply, w) {
					t.Errorf("reply lacks %q:\n%s", w, reply)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(reply, w) {
					t.Errorf("reply has %q:\n%s", w, reply)
				}
			}
		})
	}
	if a := ts.checkFile(t, "other.jpg", "?reply_format=html"); a.status != http.StatusBadRequest {
		t.Errorf("reply_format=html: %s", a)
	}
}

func TestUnsupportedMedia(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, name := range []string{"notes.txt", "page.html", "doc.pdf", "photo.heic"} {
		t.Run(name, func(t *testing.T) {
			multi := ts.checkFile(t, name, "")
			raw := do(t, request(t, "POST", ts.url+"/v1/check", bytes.NewReader(getMedia(t).read(t, name)),
				"Content-Type", "image/jpeg"))
			for _, a := range []answer{multi, raw} {
				if a.status != http.StatusUnsupportedMediaType || a.json(t)["code"] != "unsupported_media" {
					t.Errorf("%s", a)
				}
			}
		})
	}
	// A registration in neither form nor JSON.
	a := do(t, request(t, "POST", ts.url+"/v1/entries", strings.NewReader("id=x"),
		"Content-Type", "application/x-www-form-urlencoded", "Authorization", "Bearer "+testKey))
	if a.status != http.StatusUnsupportedMediaType {
		t.Errorf("urlencoded registration: %s", a)
	}
}

func TestBadUploads(t *testing.T) {
	ts := newTestServer(t, nil)
	m := getMedia(t)
	tests := []struct {
		name   string
		req    func() answer
		status int
		code   string
	}{
		{"empty body", func() answer {
			return do(t, request(t, "POST", ts.url+"/v1/check", nil))
		}, 400, "empty_upload"},
		{"form without file", func() answer {
			body, ct := form(t, nil)
			return do(t, request(t, "POST", ts.url+"/v1/check", body, "Content-Type", ct))
		}, 400, "no_file"},
		{"two files", func() answer {
			body, ct := form(t, []formFile{{"file", "a.jpg", m.read(t, "photo.jpg")}, {"file", "b.jpg", m.read(t, "other.jpg")}})
			return do(t, request(t, "POST", ts.url+"/v1/check", body, "Content-Type", ct))
		}, 400, "too_many_files"},
		{"unknown field", func() answer {
			body, ct := form(t, []formFile{{"image", "a.jpg", m.read(t, "photo.jpg")}})
			return do(t, request(t, "POST", ts.url+"/v1/check", body, "Content-Type", ct))
		}, 400, "bad_form"},
		{"broken multipart", func() answer {
			return do(t, request(t, "POST", ts.url+"/v1/check", strings.NewReader("--x\r\nnonsense"),
				"Content-Type", "multipart/form-data; boundary=x"))
		}, 400, "bad_form"},
		{"empty file part", func() answer {
			body, ct := form(t, []formFile{{"file", "a.jpg", nil}})
			return do(t, request(t, "POST", ts.url+"/v1/check", body, "Content-Type", ct))
		}, 400, "empty_upload"},
		{"truncated JPEG", func() answer { return ts.checkFile(t, "truncated.jpg", "") }, 422, "unreadable_media"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.req()
			if a.status != tt.status || a.json(t)["code"] != tt.code {
				t.Errorf("got %s, want %d %s", a, tt.status, tt.code)
			}
			assertNoInternals(t, a)
		})
	}
	// A file that cannot be read still gets a reply for its sender.
	a := ts.checkFile(t, "truncated.jpg", "")
	got := a.json(t)
	if got["file"] != "truncated.jpg" || !strings.Contains(got["reply"].(string), "could not be read") {
		t.Errorf("unreadable file: %s", a)
	}
}

// assertNoInternals fails when an answer shows a file path, a stack trace
// or a Go error from below the service.
func assertNoInternals(t *testing.T, a answer) {
	t.Helper()
	body := string(a.body)
	for _, bad := range []string{os.TempDir(), "provcheck-upload-", "goroutine ", ".go:", "sql", "runtime."} {
		if strings.Contains(body, bad) {
			t.Errorf("answer shows %q: %s", bad, body)
		}
	}
}

func TestOversizeUpload(t *testing.T) {
	ts := newTestServer(t, func(c *rules.Config) { c.Server.MaxUpload = 64 << 10 })
	m := getMedia(t)
	photo := m.read(t, "photo.jpg") // several hundred KiB
	if len(photo) < 128<<10 {
		t.Fatalf("photo.jpg is only %d bytes", len(photo))
	}
	small := m.read(t, "photo-small.jpg")
	if len(small) > 64<<10 {
		t.Fatalf("photo-small.jpg is %d bytes", len(small))
	}
	tests := []struct {
		name string
		req  func() *http.Request
	}{
		{"raw with length", func() *http.Request {
			return request(t, "POST", ts.url+"/v1/check", bytes.NewReader(photo))
		}},
		{"raw chunked", func() *http.Request {
			r := request(t, "POST", ts.url+"/v1/check", struct{ *bytes.Reader }{bytes.NewReader(photo)})
			r.ContentLength = -1
			return r
		}},
		{"multipart", func() *http.Request {
			body, ct := form(t, []formFile{{"file", "big.jpg", photo}})
			return request(t, "POST", ts.url+"/v1/check", body, "Content-Type", ct)
		}},
		{"multipart, files over the limit together", func() *http.Request {
			var files []formFile
			for i := 0; i <= (64<<10)/len(small); i++ {
				files = append(files, formFile{"file", fmt.Sprintf("%d.jpg", i), small})
			}
			body, ct := form(t, files, "id", "photo-hoax", "title", "x")
			return request(t, "POST", ts.url+"/v1/entries", body, "Content-Type", ct, "Authorization", "Bearer "+testKey)
		}},
		{"bundle", func() *http.Request {
			return request(t, "POST", ts.url+"/v1/entries", bytes.NewReader(photo), "Content-Type", "application/json",
				"Authorization", "Bearer "+testKey)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, tt.req())
			if a.status != http.StatusRequestEntityTooLarge || a.json(t)["code"] != "too_large" {
				t.Errorf("%s", a)
			}
		})
	}
	// Under the limit it is checked.
	if a := ts.checkFile(t, "photo-small.jpg", ""); a.status != http.StatusOK {
		t.Errorf("small file: %s", a)
	}
}

func TestDeadline(t *testing.T) {
	// An ffmpeg and ffprobe that never answer hold a video check until the
	// request deadline (an MP4's header is read without ffprobe, so both).
	dir := t.TempDir()
	var slow [2]string
	for i, name := range []string{"ffmpeg", "ffprobe"} {
		slow[i] = filepath.Join(dir, name)
		if err := os.WriteFile(slow[i], []byte("#!/bin/sh\nexec sleep 30\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ts := newTestServer(t, func(c *rules.Config) {
		c.FFmpeg, c.FFprobe = slow[0], slow[1]
		c.Server.RequestTimeout = 2 * time.Second
	})
	a := ts.checkFile(t, "clip.mp4", "")
	if a.status != http.StatusGatewayTimeout || a.json(t)["code"] != "deadline_exceeded" {
		t.Fatalf("%s", a)
	}
	// Images do not need ffmpeg.
	if a := ts.checkFile(t, "other.jpg", ""); a.status != http.StatusOK {
		t.Errorf("image: %s", a)
	}
}

func TestVideoCheck(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.register(t, registry.Case{ID: "clip", Title: "Viral clip", Rating: "False"}, "clip.mp4")
	a := ts.checkFile(t, "clip.mp4", "")
	got := a.json(t)
	if verdictOf(t, a) != "match" || got["kind"] != string(media.KindVideo) {
		t.Fatalf("%s", a)
	}
	if reply := got["reply"].(string); !strings.Contains(reply, "This video matches") || !strings.Contains(reply, "Matching part: 0:00–0:06") {
		t.Errorf("reply:\n%s", reply)
	}
}

// TestUploadsAreRemoved checks that no upload outlives its request, checked
// or refused.
func TestUploadsAreRemoved(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ts := newTestServer(t, func(c *rules.Config) { c.Server.MaxUpload = 200 << 10 })
	ts.register(t, photoCase, "photo.jpg")
	m := getMedia(t)
	big := bytes.Repeat(m.read(t, "photo-small.jpg"), 10)
	for _, a := range []answer{
		ts.checkFile(t, "photo-small.jpg", ""),
		ts.checkFile(t, "truncated.jpg", ""),
		ts.checkFile(t, "notes.txt", ""),
		do(t, request(t, "POST", ts.url+"/v1/check", struct{ *bytes.Reader }{bytes.NewReader(big)})),
	} {
		if a.status == 500 {
			t.Errorf("%s", a)
		}
	}
	body, ct := form(t, []formFile{{"file", "a.jpg", m.read(t, "other.jpg")}, {"file", "b.jpg", m.read(t, "truncated.jpg")}}, "title", "x")
	do(t, request(t, "POST", ts.url+"/v1/entries", body, "Content-Type", ct, "Authorization", "Bearer "+testKey))
	left, err := filepath.Glob(filepath.Join(tmp, "provcheck-upload-*"))
	if err != nil || len(left) > 0 {
		t.Errorf("uploads left behind: %v %v", left, err)
	}
}
