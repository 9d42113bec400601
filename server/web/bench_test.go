package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
	"github.com/provcheck/provcheck/server"
)

// BenchmarkPhotoCheckPageVsAPI measures what the page adds to a photo
// check: each iteration posts the same registered 1280×720 photo to POST
// /v1/check (JSON) and to the page's POST /check?partial=1 (the HTML
// result with its thumbnails), in alternating order, over loopback to a
// real service. Each upload differs by a JPEG comment, so neither is
// answered from the fingerprint cache. It reports the median time of each
// and their difference, and the CPU time each takes (service and client).
//
//	go test ./server/web -run '^$' -bench PhotoCheckPageVsAPI -benchtime 200x
func BenchmarkPhotoCheckPageVsAPI(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	photo := filepath.Join(dir, "photo.jpg")
	if err := testmedia.WriteJPEG(photo, testmedia.Picture(5, 1280, 720), 90); err != nil {
		b.Fatal(err)
	}
	cfg, err := rules.Defaults().Translate()
	if err != nil {
		b.Fatal(err)
	}
	cfg.Registry = filepath.Join(dir, "registry.db")
	e, err := engine.New(ctx, cfg, engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Register(ctx, engine.AddRequest{Case: caseFor("bench-photo"), Files: []string{photo}}); err != nil {
		b.Fatal(err)
	}
	s, err := server.New(e, server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Serve(sctx, ln) }()
	defer func() { stop(); <-done }()
	base := "http://" + ln.Addr().String()
	waitReady(b, base)
	img, err := os.ReadFile(photo)
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	n := 0
	var cpu struct{ api, page time.Duration }
	post := func(path, want string) time.Duration {
		n++
		body, ctype := upload(b, withComment(img, n))
		cpu0 := processCPU()
		start := time.Now()
		resp, err := client.Post(base+path, ctype, body)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if strings.HasPrefix(path, "/v1/") {
			cpu.api += processCPU() - cpu0
		} else {
			cpu.page += processCPU() - cpu0
		}
		if resp.StatusCode != 200 || !strings.Contains(string(out), want) {
			b.Fatalf("%s: %d %.300s", path, resp.StatusCode, out)
		}
		return d
	}
	// Warm up both paths.
	post("/v1/check", `"verdict":"match"`)
	post("/check?partial=1", "Debunked")
	var api, page []time.Duration
	cpu.api, cpu.page = 0, 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			api = append(api, post("/v1/check", `"verdict":"match"`))
			page = append(page, post("/check?partial=1", "Debunked"))
		} else {
			page = append(page, post("/check?partial=1", "Debunked"))
			api = append(api, post("/v1/check", `"verdict":"match"`))
		}
	}
	ma, mp := median(api), median(page)
	b.ReportMetric(ms(ma), "api-ms")
	b.ReportMetric(ms(mp), "page-ms")
	b.ReportMetric(ms(mp-ma), "page-extra-ms")
	// CPU time of the whole process (service and client) per check: the
	// figure to trust on a shared machine.
	k := time.Duration(len(api))
	b.ReportMetric(ms(cpu.api/k), "api-cpu-ms")
	b.ReportMetric(ms(cpu.page/k), "page-cpu-ms")
	b.ReportMetric(ms((cpu.page-cpu.api)/k), "page-extra-cpu-ms")
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func caseFor(id string) registry.Case {
	return registry.Case{ID: id, Title: "Benchmark photo"}
}

func waitReady(b *testing.B, base string) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
	}
	b.Fatal("the service did not become ready")
}

// withComment inserts a JPEG comment after the SOI marker: other bytes,
// the same picture.
func withComment(jpg []byte, n int) []byte {
	c := []byte(fmt.Sprintf("upload %d", n))
	seg := append([]byte{0xff, 0xfe, byte((len(c) + 2) >> 8), byte(len(c) + 2)}, c...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func upload(b *testing.B, data []byte) (io.Reader, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile("file", "photo.jpg")
	if err != nil {
		b.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	return &buf, w.FormDataContentType()
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
