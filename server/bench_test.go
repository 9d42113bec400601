package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/pgtest"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
)

// Load benchmarks of the service on loopback: a registry of synthetic
// cases with random PDQ fingerprints (by default 60% photos and 40% videos
// of 5–60 s registered at 5 frames a second, each frame with six views, as
// registration makes them; -bench-videos 0 makes a registry of photos)
// plus one real registered photo and one real 30 s clip; clients post JPEG photos (1280×720, half of them re-encodings
// of the registered photo) as multipart uploads, back to back; a client
// that is refused with 503 waits for Retry-After before its next request.
//
//	go test ./server -run '^$' -bench ServeImageCheck -benchtime 2000x
//	go test ./server -run '^$' -bench ServeImageCheck -benchtime 2000x -bench-videos 0
//	go test ./server -run '^$' -bench ServeClip30s -benchtime 5x
//
// PROVCHECK_SAMPLING_QUERY_VIEWS=fast measures the fast query views.
//
// cpu-ms/check is the CPU time of the whole test process (server and load
// generator) per successful check: on a machine shared with other work it
// says what the checks cost when the wall-clock figures cannot.
var (
	benchCases  = flag.Int("bench-cases", 5000, "synthetic cases in the benchmark registry")
	benchVideos = flag.Float64("bench-videos", 0.4, "share of the synthetic cases that are videos")
	benchStore  = flag.String("bench-registry", "sqlite", "registry of the benchmarks: sqlite, or postgres (a throwaway server started by internal/pgtest)")
)

type benchEnv struct {
	url     string
	s       *Server
	e       *engine.Engine
	photos  []upload3 // multipart bodies around JPEG photos
	ctype   string
	clip    upload3 // a re-encoded copy of the registered 30 s clip
	hashes  int
	cleanup func()
}

// upload3 is a multipart body cut around the file's content, so that each
// request can send different bytes: a JPEG with a comment segment that
// numbers the request, which decodes to the same picture at the same cost
// but is new to the fingerprint cache.
type upload3 struct {
	head, data, tail []byte
}

func (u upload3) body(n int64, unique bool) io.Reader {
	if !unique {
		return io.MultiReader(bytes.NewReader(u.head), bytes.NewReader(u.data), bytes.NewReader(u.tail))
	}
	// FF D8 (start of image), then FF FE (comment) with a 2-byte length.
	com := []byte{0xFF, 0xFE, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint64(com[4:], uint64(n))
	return io.MultiReader(bytes.NewReader(u.head), bytes.NewReader(u.data[:2]), bytes.NewReader(com),
		bytes.NewReader(u.data[2:]), bytes.NewReader(u.tail))
}

func (u upload3) size(unique bool) int64 {
	n := int64(len(u.head) + len(u.data) + len(u.tail))
	if unique {
		n += 12
	}
	return n
}

var (
	benchOnce sync.Once
	benchFix  *benchEnv
	benchErr  error
)

func getBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	benchOnce.Do(func() { benchFix, benchErr = makeBenchEnv(b) })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchFix
}

func makeBenchEnv(b *testing.B) (*benchEnv, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "provcheck-bench-")
	if err != nil {
		return nil, err
	}
	env := &benchEnv{cleanup: func() { os.RemoveAll(dir) }}
	cfg := testConfig(b, dir)
	switch *benchStore {
	case "sqlite":
	case "postgres":
		cfg.Registry = pgtest.DSN(b)
	default:
		return nil, fmt.Errorf("-bench-registry %q: want sqlite or postgres", *benchStore)
	}
	if v := os.Getenv("PROVCHECK_SAMPLING_QUERY_VIEWS"); v != "" {
		cfg.Sampling.QueryViews = v // e.g. fast, as the command line would take it
	}
	// Every load client posts from 127.0.0.1: the limit on one address's
	// concurrent uploads would answer most of them 429 and measure that.
	cfg.Server.UploadsPerClient = max(cfg.Server.UploadsPerClient, 256)
	e, err := engine.New(ctx, cfg, engine.Options{})
	if err != nil {
		return nil, err
	}
	env.e = e
	start := time.Now()
	cases := syntheticCases(*benchCases, *benchVideos, 1)
	for i := 0; i < len(cases); i += 250 {
		if err := e.Store().Import(ctx, cases[i:min(i+250, len(cases))]); err != nil {
			return nil, err
		}
	}
	cases = nil
	b.Logf("imported %d synthetic cases in %s", *benchCases, time.Since(start).Round(time.Millisecond))

	p := func(n string) string { return filepath.Join(dir, n) }
	photo := testmedia.Picture(5, 1280, 720)
	if err := testmedia.WriteJPEG(p("photo.jpg"), photo, 90); err != nil {
		return nil, err
	}
	start = time.Now()
	if err := testmedia.WriteVideo(ctx, p("clip.mp4"), testmedia.VideoSpec{Seed: 21, W: 1280, H: 720, FPS: 25, Seconds: 30, Scene: 4}); err != nil {
		return nil, err
	}
	if err := testmedia.FFmpeg(ctx, "-i", p("clip.mp4"), "-c:v", "libx264", "-preset", "veryfast", "-crf", "30", p("repost.mp4")); err != nil {
		return nil, err
	}
	b.Logf("made a 30 s 1280x720 clip in %s", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	for _, req := range []engine.AddRequest{
		{Case: registry.Case{ID: "real-photo", Title: "A real registered photo", Rating: "False",
			FactChecks: []registry.FactCheck{{Publisher: "Example Checks", URL: "https://example.org/fc/photo"}}},
			Files: []string{p("photo.jpg")}},
		{Case: registry.Case{ID: "real-clip", Title: "A real registered clip", Rating: "False",
			FactChecks: []registry.FactCheck{{Publisher: "Example Checks", URL: "https://example.org/fc/clip"}}},
			Files: []string{p("clip.mp4")}},
	} {
		if _, err := e.Register(ctx, req); err != nil {
			return nil, err
		}
	}
	b.Logf("registered the real photo and clip in %s", time.Since(start).Round(time.Millisecond))

	// Queries: re-encodings of the registered photo, and unrelated photos.
	for i := range 8 {
		var img image.Image = photo
		if i%2 == 1 {
			img = testmedia.Picture(uint64(100+i), 1280, 720)
		}
		path := p(fmt.Sprintf("q%d.jpg", i))
		if err := testmedia.WriteJPEG(path, img, 70+3*i); err != nil {
			return nil, err
		}
		body, ct, err := multipartFile(path)
		if err != nil {
			return nil, err
		}
		env.photos, env.ctype = append(env.photos, body), ct
	}
	if env.clip, _, err = multipartFile(p("repost.mp4")); err != nil {
		return nil, err
	}

	s, err := New(e, Options{})
	if err != nil {
		return nil, err
	}
	env.s = s
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	env.url = "http://" + ln.Addr().String()
	go s.Serve(context.Background(), ln)
	start = time.Now()
	for !s.ready.Load() {
		time.Sleep(10 * time.Millisecond)
	}
	snap, err := e.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	env.hashes = snap.Index.Len()
	b.Logf("registry: %d cases, %d indexed hashes, loaded in %s", len(snap.Cases), env.hashes, time.Since(start).Round(time.Millisecond))
	return env, nil
}

func multipartFile(path string) (upload3, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return upload3{}, "", err
	}
	var head, tail bytes.Buffer
	mw := multipart.NewWriter(&head)
	mw.SetBoundary("provcheck-bench-boundary")
	mw.CreateFormFile("file", filepath.Base(path))
	u := upload3{head: bytes.Clone(head.Bytes()), data: data}
	head.Reset()
	mw = multipart.NewWriter(&tail)
	mw.SetBoundary("provcheck-bench-boundary")
	mw.Close()
	u.tail = append([]byte("\r\n"), tail.Bytes()...)
	return u, mw.FormDataContentType(), nil
}

// syntheticCases makes n cases with random fingerprints.
func syntheticCases(n int, videos float64, seed uint64) []registry.Case {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	hash := func() pdq.Hash { return pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()} }
	views := []string{"content", "crop9x16", "crop4x5", "crop1x1", "crop16x9", "zoom90"}
	cases := make([]registry.Case, n)
	for i := range cases {
		fp := fingerprint.Fingerprint{Kind: media.KindImage, Format: "jpeg", Width: 1280, Height: 720}
		frames := 1
		if r.Float64() < videos {
			fp.Kind, fp.Format, fp.Codec, fp.FPS = media.KindVideo, "mp4", "h264", 30
			fp.Duration = 5 + 55*r.Float64()
			frames = int(fp.Duration * 5)
		}
		for f := range frames {
			fr := fingerprint.Frame{T: float64(f) / 5, PDQ: hash(), Quality: 60 + r.IntN(41)}
			for _, v := range views {
				fr.Views = append(fr.Views, fingerprint.View{Name: v, PDQ: hash(), Quality: 60 + r.IntN(41)})
			}
			fp.Frames = append(fp.Frames, fr)
		}
		var digest [32]byte
		for j := range digest {
			digest[j] = byte(r.Uint32())
		}
		cases[i] = registry.Case{
			ID: fmt.Sprintf("synthetic-%05d", i), Title: fmt.Sprintf("Synthetic case %d", i), Rating: "False",
			FactChecks: []registry.FactCheck{{Publisher: "Example Checks", URL: fmt.Sprintf("https://example.org/fc/%d", i)}},
			Media:      []registry.Media{{SHA256: fmt.Sprintf("%x", digest), Name: "synthetic", Fingerprint: fp}},
		}
	}
	return cases
}

// loadResult summarises one load run.
type loadResult struct {
	ok, shed, failed int
	elapsed, cpu     time.Duration
	okLatency        []time.Duration
	shedLatency      []time.Duration
}

func pct(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
}

// runLoad sends n requests from `clients` concurrent clients; unique makes
// every upload's bytes different.
func runLoad(b *testing.B, url, ctype string, bodies []upload3, clients, n int, unique bool) loadResult {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true,
		WriteBufferSize: 64 << 10, ReadBufferSize: 64 << 10}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	var next atomic.Int64
	var mu sync.Mutex
	var res loadResult
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				u := bodies[(i+c)%len(bodies)]
				t0 := time.Now()
				req, _ := http.NewRequest("POST", url+"/v1/check", u.body(seq.Add(1), unique))
				req.ContentLength = u.size(unique)
				req.Header.Set("Content-Type", ctype)
				resp, err := client.Do(req)
				status, retry := 0, 0
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
					retry, _ = strconv.Atoi(resp.Header.Get("Retry-After"))
				}
				d := time.Since(t0)
				mu.Lock()
				switch status {
				case http.StatusOK:
					res.ok++
					res.okLatency = append(res.okLatency, d)
				case http.StatusServiceUnavailable:
					res.shed++
					res.shedLatency = append(res.shedLatency, d)
				default:
					res.failed++
					if res.failed <= 3 {
						b.Logf("request failed: status %d, %v", status, err)
					}
				}
				mu.Unlock()
				if status == http.StatusServiceUnavailable {
					time.Sleep(time.Duration(max(retry, 1)) * time.Second)
				}
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.cpu = cpuTime() - cpu0
	return res
}

func (r loadResult) report(b *testing.B) {
	b.ReportMetric(float64(r.ok)/r.elapsed.Seconds(), "checks/s")
	b.ReportMetric(pct(r.okLatency, 0.50), "p50-ms")
	b.ReportMetric(pct(r.okLatency, 0.99), "p99-ms")
	total := r.ok + r.shed + r.failed
	b.ReportMetric(100*float64(r.shed)/float64(max(total, 1)), "shed-%")
	if r.shed > 0 {
		b.ReportMetric(pct(r.shedLatency, 0.99), "503-p99-ms")
	}
	b.ReportMetric(float64(r.cpu.Microseconds())/1000/float64(max(r.ok, 1)), "cpu-ms/check")
	b.ReportMetric(float64(r.failed), "failed")
	if r.failed > 0 {
		b.Errorf("%d requests failed (neither 200 nor 503)", r.failed)
	}
}

// seq numbers the uploads of all runs, so none repeats another's bytes.
var seq atomic.Int64

// BenchmarkServeImageCheck measures image checks per second and their
// latency at 8 and 32 concurrent clients, and at 128, beyond what the
// queue admits (workers + 32), where the service sheds load with 503s.
// Every upload is new to the service.
func BenchmarkServeImageCheck(b *testing.B) { benchImages(b, true) }

// BenchmarkServeImageCheckForwarded sends the same eight photos over and
// over, as readers forwarding one viral picture do: after the first of
// each, the fingerprint cache answers and only matching runs.
func BenchmarkServeImageCheckForwarded(b *testing.B) { benchImages(b, false) }

func benchImages(b *testing.B, unique bool) {
	env := getBenchEnv(b)
	b.Logf("%s registry of %d synthetic cases + 2 real (%d hashes); %d workers, queue %d",
		*benchStore, *benchCases, env.hashes, cap(env.s.queue.workers), env.s.queue.size)
	for _, clients := range []int{8, 32, 128} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			runLoad(b, env.url, env.ctype, env.photos, min(clients, 8), 8, unique) // warm the connections
			b.ResetTimer()
			res := runLoad(b, env.url, env.ctype, env.photos, clients, b.N, unique)
			b.StopTimer()
			res.report(b)
		})
	}
}

// BenchmarkServeClip30s measures the latency of checking a re-encoded copy
// of the registered 30 s 720p clip, one request at a time, with the
// fingerprint cache emptied before each.
func BenchmarkServeClip30s(b *testing.B) {
	env := getBenchEnv(b)
	b.ResetTimer()
	var res loadResult
	for range b.N {
		env.s.e.ClearCache() // the clip is fingerprinted every time
		r := runLoad(b, env.url, env.ctype, []upload3{env.clip}, 1, 1, false)
		res.ok += r.ok
		res.cpu += r.cpu
		res.okLatency = append(res.okLatency, r.okLatency...)
	}
	b.StopTimer()
	b.ReportMetric(pct(res.okLatency, 0.50), "p50-ms")
	b.ReportMetric(pct(res.okLatency, 1), "max-ms")
	b.ReportMetric(float64(res.cpu.Microseconds())/1000/float64(max(res.ok, 1)), "cpu-ms/check")
	if res.ok != b.N {
		b.Errorf("%d of %d clip checks failed", b.N-res.ok, b.N)
	}
	// The clip must be recognised, or the figure means nothing.
	req, _ := http.NewRequest("POST", env.url+"/v1/check", env.clip.body(0, false))
	req.Header.Set("Content-Type", env.ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"verdict":"match"`) || !strings.Contains(string(body), `"entry_id":"real-clip"`) {
		b.Errorf("the repost of the registered clip is not a match: %.300s", body)
	}
}

// cpuTime is the user and system CPU time of this process and of its
// finished children (ffmpeg, ffprobe) so far.
func cpuTime() time.Duration {
	var total time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if err := syscall.Getrusage(who, &ru); err == nil {
			total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return total
}
