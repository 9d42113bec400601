package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// Plain HTTP tests of the pages (no browser).

func postFile(t *testing.T, url, name string, data []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(data)
	w.Close()
	resp, err := http.Post(url, w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// The page has the API's upload limit and media checks, and answers in
// HTML that shows no internal detail.
func TestPageUploadLimits(t *testing.T) {
	svc := startServiceWith(t, func(c *rules.Config) { c.Server.MaxUpload = 64 << 10 }, false)
	for _, tc := range []struct {
		name   string
		data   []byte
		status int
		want   string
	}{
		{"big.jpg", append([]byte{0xff, 0xd8, 0xff, 0xe0}, make([]byte, 100<<10)...), 413, "larger than this server&#39;s limit of 64 KiB"},
		{"notes.txt", []byte("Reader tip: <b>fake</b>\n"), 415, "not"},
		{"empty.jpg", nil, 400, "empty"},
	} {
		for _, path := range []string{"/check", "/check?partial=1"} {
			resp, body := postFile(t, svc.url+path, tc.name, tc.data)
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
				!strings.Contains(body, tc.want) || !strings.Contains(body, "Not checked") {
				t.Errorf("%s %s: %d %q\n%s", path, tc.name, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if strings.Contains(body, "/tmp") || strings.Contains(body, "provcheck-upload") {
				t.Errorf("%s %s: the answer shows a temporary path:\n%s", path, tc.name, body)
			}
		}
	}
}

// With keyed reads, the pages need a session too; the API key alone is
// not a session.
func TestPagesKeyedReads(t *testing.T) {
	svc := startServiceWith(t, func(c *rules.Config) { c.Server.KeyedReads = true }, false)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/", "/cases", "/add"} {
		resp, err := client.Get(svc.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin?next=") {
			t.Errorf("GET %s without a session: %d %s", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp, _ := postFile(t, svc.url+"/check", "x.jpg", []byte{0xff, 0xd8})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /check without a session: %d", resp.StatusCode)
	}
	// Behind a TLS proxy the session cookie is Secure.
	req, _ := http.NewRequest("POST", svc.url+"/signin", strings.NewReader("key="+apiKey))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	if resp, err := client.Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
		if cs := resp.Cookies(); len(cs) != 1 || !cs[0].Secure {
			t.Errorf("session cookie behind TLS: %+v", cs)
		}
	}
	// A wrong key does not sign in; a sign-in form from another site is refused.
	for _, tc := range []struct {
		origin, key string
		status      int
	}{
		{"", "wrong-key-0123456789", http.StatusForbidden},
		{"https://evil.example", apiKey, http.StatusForbidden},
		{svc.url, apiKey, http.StatusSeeOther},
	} {
		req, _ := http.NewRequest("POST", svc.url+"/signin", strings.NewReader("key="+tc.key+"&next=//evil.example/"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("sign-in from %q with %q: %d, want %d", tc.origin, tc.key, resp.StatusCode, tc.status)
		}
		if resp.StatusCode == http.StatusSeeOther {
			if loc := resp.Header.Get("Location"); strings.Contains(loc, "evil") {
				t.Errorf("sign-in redirects off the site: %s", loc)
			}
			var c *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == "provcheck_session" {
					c = ck
				}
			}
			if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure {
				t.Errorf("session cookie %+v (want HttpOnly, SameSite=Strict, not Secure over plain HTTP)", c)
			}
		}
	}
}

// A registry without thumbnails (registry add --no-thumbnails, or an old
// registry) still shows the checked side of the evidence, with a note;
// with thumbnails, both sides.
func TestPageEvidenceThumbnails(t *testing.T) {
	photo := filepath.Join(t.TempDir(), "photo.jpg")
	if err := testmedia.WriteJPEG(photo, testmedia.Picture(9, 1024, 640), 90); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(photo)
	if err != nil {
		t.Fatal(err)
	}
	for _, noThumbs := range []bool{true, false} {
		svc := startServiceWith(t, nil, false)
		c := registry.Case{ID: "photo-case", Title: "A debunked photo"}
		if _, err := svc.e.Register(context.Background(), engine.AddRequest{Case: c, Files: []string{photo}, NoThumbnails: noThumbs}); err != nil {
			t.Fatal(err)
		}
		// Written past the service, as another process would: bring its
		// snapshot up to date now rather than at the next poll.
		if _, err := svc.e.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		resp, body := postFile(t, svc.url+"/check?partial=1", "photo.jpg", data)
		if resp.StatusCode != 200 || !strings.Contains(body, "Debunked") || strings.Count(body, "data:image/jpeg;base64,") != 1 {
			t.Fatalf("no thumbnails %v: %d\n%s", noThumbs, resp.StatusCode, body)
		}
		note := strings.Contains(body, "keeps no thumbnails of the registered media")
		link := strings.Contains(body, `src="/thumbs/photo-case/`)
		if note != noThumbs || link == noThumbs {
			t.Errorf("no thumbnails %v: note shown %v, registered thumbnail shown %v", noThumbs, note, link)
		}
	}
}
