package server

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/rules"
)

// The slow-upload attack: clients that send an upload a byte at a time
// must not keep readers' checks out. CI runs it small; the figures in
// server/README.md come from the full scale:
//
//	go test ./server -run TestSlowUploadAttack -v -attack-slow 100 -attack-interval 3s -attack-for 60s -attack-defaults
var (
	attackSlow     = flag.Int("attack-slow", 12, "slow uploads kept running during the attack")
	attackAddrs    = flag.Int("attack-addrs", 0, "source addresses the slow uploads come from (127.0.0.2…; 0: one per slow upload, capped at 200)")
	attackInterval = flag.Duration("attack-interval", 100*time.Millisecond, "a slow upload sends one byte this often")
	attackFor      = flag.Duration("attack-for", 2*time.Second, "how long the attack runs")
	attackDefaults = flag.Bool("attack-defaults", false, "run the service with the default configuration instead of the small test one")
)

// slowClient keeps one slow upload running from src until ctx ends,
// reconnecting whenever the service cuts it off; it counts the answers.
func slowClient(ctx context.Context, addr string, src net.IP, every time.Duration, data []byte, answers *sync.Map, cutAfter *atomic.Int64) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: src}}
	for ctx.Err() == nil {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			time.Sleep(every)
			continue
		}
		start := time.Now()
		fmt.Fprintf(conn, "POST /v1/check HTTP/1.1\r\nHost: provcheck\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", len(data))
		status := make(chan string, 1)
		go func() {
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				status <- "no answer"
				return
			}
			resp.Body.Close()
			status <- resp.Status
		}()
		var got string
	send:
		for i := 0; ; i++ {
			select {
			case got = <-status:
				break send
			case <-ctx.Done():
				break send
			case <-time.After(every):
				if i < len(data) {
					conn.Write(data[i : i+1])
				}
			}
		}
		conn.Close()
		if got != "" {
			v, _ := answers.LoadOrStore(got, new(atomic.Int64))
			v.(*atomic.Int64).Add(1)
			if d := time.Since(start).Milliseconds(); d > cutAfter.Load() {
				cutAfter.Store(d)
			}
		}
	}
}

// TestSlowUploadAttack runs slow uploads (a byte every interval) against
// the service while readers check photos back to back: the readers' checks
// must keep succeeding, and the slow uploads must be cut off long before
// the request timeout.
func TestSlowUploadAttack(t *testing.T) {
	nAddrs := *attackAddrs
	if nAddrs <= 0 {
		nAddrs = min(*attackSlow, 200)
	}
	t.Run("addresses", func(t *testing.T) { slowUploadAttack(t, nAddrs) })
	if *attackAddrs == 0 {
		t.Run("one_address", func(t *testing.T) { slowUploadAttack(t, 1) })
	}
}

func slowUploadAttack(t *testing.T, nAddrs int) {
	ts := newTestServer(t, func(c *rules.Config) {
		if *attackDefaults {
			return
		}
		c.Server.Workers, c.Server.QueueSize = 1, 2
		c.Server.UploadGrace = 500 * time.Millisecond
		c.Server.MinUploadRate = 1 << 10
		c.Server.UploadsPerClient = 2
	})
	ts.register(t, photoCase, "photo.jpg")
	cfg := ts.e.Config().Server
	data := getMedia(t).read(t, "photo-small.jpg")
	addr := strings.TrimPrefix(ts.url, "http://")
	if c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).Dial("tcp", addr); err != nil {
		t.Skipf("cannot send from 127.0.0.2 on this machine: %v", err)
	} else {
		c.Close()
	}

	ctx, cancel := context.WithTimeout(context.Background(), *attackFor)
	defer cancel()
	var answers sync.Map
	var cutAfter atomic.Int64
	var wg sync.WaitGroup
	for i := range *attackSlow {
		src := net.IPv4(127, 0, 1+byte(i%nAddrs/250), 2+byte(i%nAddrs%250))
		wg.Add(1)
		go func() {
			defer wg.Done()
			slowClient(ctx, addr, src, *attackInterval, data, &answers, &cutAfter)
		}()
	}
	// Let the slow uploads take whatever they can before readers come.
	time.Sleep(min(*attackFor/4, time.Second))

	var ok, failed atomic.Int64
	failures := sync.Map{}
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for ctx.Err() == nil {
				body, ct := form(t, []formFile{{"file", "photo.jpg", data}})
				req, _ := http.NewRequest("POST", ts.url+"/v1/check", body)
				req.Header.Set("Content-Type", ct)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						failed.Add(1)
					}
					continue
				}
				var b bytes.Buffer
				b.ReadFrom(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				} else {
					failed.Add(1)
					v, _ := failures.LoadOrStore(resp.Status, new(atomic.Int64))
					v.(*atomic.Int64).Add(1)
				}
			}
		}()
	}
	readers.Wait()
	wg.Wait()

	total := ok.Load() + failed.Load()
	var slow []string
	answers.Range(func(k, v any) bool {
		slow = append(slow, fmt.Sprintf("%s ×%d", k, v.(*atomic.Int64).Load()))
		return true
	})
	var fails []string
	failures.Range(func(k, v any) bool {
		fails = append(fails, fmt.Sprintf("%s ×%d", k, v.(*atomic.Int64).Load()))
		return true
	})
	t.Logf("%d slow uploads from %d addresses (a byte every %s) for %s; workers %d, queue %d, upload grace %s, min rate %d B/s, %d uploads per client",
		*attackSlow, nAddrs, *attackInterval, *attackFor, cap(ts.s.queue.workers), ts.s.queue.size, cfg.UploadGrace, cfg.MinUploadRate, cfg.UploadsPerClient)
	t.Logf("readers' checks: %d of %d succeeded (%.1f%%); failures: %v", ok.Load(), total, 100*float64(ok.Load())/float64(max(total, 1)), fails)
	t.Logf("slow uploads' answers: %v; the longest was cut off after %d ms (request timeout %s)", slow, cutAfter.Load(), cfg.RequestTimeout)
	if total == 0 || float64(ok.Load()) < 0.9*float64(total) {
		t.Errorf("only %d of %d checks succeeded during the attack", ok.Load(), total)
	}
	if limit := cfg.UploadGrace + 2*time.Second + 2**attackInterval; time.Duration(cutAfter.Load())*time.Millisecond > limit {
		t.Errorf("a slow upload was held %d ms, more than %s", cutAfter.Load(), limit)
	}
	var slowCut int64
	answers.Range(func(k, v any) bool {
		if s := k.(string); strings.HasPrefix(s, "408") || strings.HasPrefix(s, "429") {
			slowCut += v.(*atomic.Int64).Load()
		}
		return true
	})
	if slowCut == 0 {
		t.Errorf("no slow upload was cut off (408) or refused (429): %v", slow)
	}
}

// rawRequest sends a request exactly as written and reads the answer.
func rawRequest(t *testing.T, ts *testServer, raw string) answer {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := conn.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return answer{resp.StatusCode, resp.Header, b.Bytes()}
}

// TestBrokenChunkedEncoding: a body whose chunked transfer encoding is
// malformed is the client's error (400 with the JSON error schema), on
// every route that reads a body; it was a 500 on /v1/check and a 422 with
// Go's error text on /v1/entries.
func TestBrokenChunkedEncoding(t *testing.T) {
	ts := newTestServer(t, nil)
	jpeg := getMedia(t).read(t, "photo-small.jpg")
	chunk := func(b []byte) string { return fmt.Sprintf("%x\r\n%s\r\n", len(b), b) }
	for name, tc := range map[string]struct{ path, ctype, body string }{
		"check raw, bad size":       {"/v1/check", "image/jpeg", chunk(jpeg[:2000]) + "zz\r\nxx\r\n0\r\n\r\n"},
		"check raw, no CRLF":        {"/v1/check", "image/jpeg", fmt.Sprintf("%x\r\n", 3000) + string(jpeg[:3000]) + "XX0\r\n\r\n"},
		"check multipart":           {"/v1/check", "multipart/form-data; boundary=b", chunk([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n")) + chunk(jpeg[:1000]) + "-5\r\n"},
		"entries bundle":            {"/v1/entries", "application/json", chunk([]byte(`{"format":"provcheck-registry",`)) + "g\r\n"},
		"entries multipart":         {"/v1/entries", "multipart/form-data; boundary=b", chunk([]byte("--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nx")) + "1x\r\n"},
		"entries bundle, oversized": {"/v1/entries", "application/json", "ffffffffffffffffff\r\n{}"},
	} {
		t.Run(name, func(t *testing.T) {
			a := rawRequest(t, ts, "POST "+tc.path+" HTTP/1.1\r\nHost: provcheck\r\nAuthorization: Bearer "+testKey+
				"\r\nContent-Type: "+tc.ctype+"\r\nTransfer-Encoding: chunked\r\n\r\n"+tc.body)
			if a.status != http.StatusBadRequest {
				t.Fatalf("want 400: %s", a)
			}
			got := a.json(t)
			if got["code"] != "malformed_body" && got["code"] != "incomplete_upload" || got["request_id"] == "" {
				t.Errorf("want the JSON error schema with code malformed_body: %s", a)
			}
			if strings.Contains(string(a.body), "chunk") && strings.Contains(string(a.body), "invalid byte") {
				t.Errorf("Go's error text reached the client: %s", a)
			}
		})
	}
	if strings.Contains(ts.log.String(), `"internal error"`) {
		t.Errorf("logged as an internal error:\n%s", ts.log.String())
	}
}

// TestDecoderTextNeverReachesClients: what ffmpeg and ffprobe print about
// a damaged file ("moov atom not found", "Invalid data found…") stays in
// the log under the request id; the client gets a stable code and a
// plain message, in "error" and in "reply".
func TestDecoderTextNeverReachesClients(t *testing.T) {
	ts := newTestServer(t, nil)
	m := getMedia(t)
	clip := m.read(t, "clip.mp4")
	dir := t.TempDir()
	big := filepath.Join(dir, "big.avi")
	// A 9000×9000 Motion JPEG: over ffmpeg's frame limit.
	if err := testmedia.FFmpeg(context.Background(), "-f", "lavfi", "-i", "color=c=gray:size=9000x9000:rate=5", "-frames:v", "1",
		"-c:v", "mjpeg", "-q:v", "20", big); err != nil {
		t.Fatal(err)
	}
	bigData, err := os.ReadFile(big)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		data   []byte
		status int
		code   string
		msg    string
	}{
		{"truncated.mp4", clip[:len(clip)/3], 422, "unreadable_media", "the video file is damaged or incomplete"},
		{"junk.mp4", append(append([]byte{}, clip[:64]...), bytes.Repeat([]byte{0xAB}, 4000)...), 422, "unreadable_media", "the video file is damaged or incomplete"},
		{"big.avi", bigData, 413, "too_large", "the video is too large to check"},
		{"truncated.jpg", m.read(t, "truncated.jpg"), 422, "unreadable_media", "the image file is damaged or incomplete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := form(t, []formFile{{"file", tt.name, tt.data}})
			a := do(t, request(t, "POST", ts.url+"/v1/check", body, "Content-Type", ct))
			got := a.json(t)
			if a.status != tt.status || got["code"] != tt.code || !strings.HasPrefix(got["error"].(string), tt.msg) {
				t.Fatalf("want %d %s %q: %s", tt.status, tt.code, tt.msg, a)
			}
			for _, bad := range []string{"moov", "Invalid data", "ffmpeg", "ffprobe", "[mjpeg]", "max pixel", "EOF", "file:"} {
				if strings.Contains(string(a.body), bad) {
					t.Errorf("the answer shows decoder text %q: %s", bad, a)
				}
			}
			if reply, _ := got["reply"].(string); !strings.Contains(reply, tt.msg) {
				t.Errorf("reply %q does not carry the plain message", reply)
			}
			id := a.header.Get("X-Request-Id")
			var logged bool
			for _, line := range strings.Split(ts.log.String(), "\n") {
				if strings.Contains(line, `"file not checked"`) && strings.Contains(line, id) && strings.Contains(line, `"detail"`) {
					logged = true
				}
			}
			if !logged {
				t.Errorf("no log line with the detail under request id %s:\n%s", id, ts.log.String())
			}
		})
	}
}

// TestNotFoundDoesNotEchoLongIDs: a 404 for a 10,000-character id shows
// only its start.
func TestNotFoundDoesNotEchoLongIDs(t *testing.T) {
	ts := newTestServer(t, nil)
	id := strings.Repeat("a", 10_000)
	for _, method := range []string{"GET", "DELETE"} {
		a := do(t, request(t, method, ts.url+"/v1/entries/"+id, nil, "Authorization", "Bearer "+testKey))
		if a.status != http.StatusNotFound || a.json(t)["code"] != "not_found" {
			t.Fatalf("%s: %s", method, a)
		}
		if len(a.body) > 400 || !strings.Contains(string(a.body), strings.Repeat("a", 100)+"…") {
			t.Errorf("%s: the answer is %d bytes: %.300s", method, len(a.body), a.body)
		}
	}
}
