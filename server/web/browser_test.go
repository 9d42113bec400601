package web_test

// Browser tests: headless Chromium (Debian's chromium package), driven
// through the DevTools protocol by chromedp, against a real service on a
// random loopback port. They fail when chromium is missing and CI is set
// (`make test` installs it), and are skipped with a message otherwise.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/buildinfo"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/rules"
	"github.com/provcheck/provcheck/samples"
	"github.com/provcheck/provcheck/server"
)

var updateScreenshots = flag.Bool("screenshots", false, "write the screenshots of the check page to testdata/")

const apiKey = "browser-test-key-0123456789"

// chromium finds the browser: $PROVCHECK_CHROMIUM, else chromium on PATH.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PROVCHECK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed, and CI is set: the browser tests must run (make test installs it: apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium): browser tests skipped")
	return ""
}

// service is a real provcheck serve on a loopback port.
type service struct {
	url string
	e   *engine.Engine
}

// startService registers the demo case with the stand-in clip (so its
// registered frames have thumbnails) and serves it.
func startService(t *testing.T) *service {
	t.Helper()
	return startServiceWith(t, nil, true)
}

// startServiceWith serves a fresh registry with the configuration changed
// by mod, with the demo case registered when demo is set.
func startServiceWith(t *testing.T, mod func(*rules.Config), demo bool) *service {
	t.Helper()
	ctx := context.Background()
	cfg, err := rules.Defaults().Translate()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Registry = filepath.Join(t.TempDir(), "registry.db")
	cfg.Server.APIKeys = []string{apiKey}
	if mod != nil {
		mod(&cfg)
	}
	e, err := engine.New(ctx, cfg, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if demo {
		cases, err := samples.Cases()
		if err != nil {
			t.Fatal(err)
		}
		c := cases[0]
		c.Media = nil
		if _, err := e.Register(ctx, engine.AddRequest{Case: c, Files: []string{sample("nypd-ice-standin.mp4")}}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := server.New(e, server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Build: buildinfo.Info{Version: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Serve(sctx, ln) }()
	t.Cleanup(func() { stop(); <-done })
	svc := &service{url: "http://" + ln.Addr().String(), e: e}
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := http.Get(svc.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the service did not become ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return svc
}

func sample(name string) string {
	p, _ := filepath.Abs(filepath.Join("..", "..", "samples", "media", name))
	return p
}

// browser starts headless Chromium with a fresh profile and no network
// access of its own (no updates, sync or background requests).
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 900),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return bctx
}

// tab opens a new tab of the browser.
func tab(t *testing.T, b context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// stepTimeout bounds each group of browser steps (a check of a clip on a
// busy machine takes a few seconds).
const stepTimeout = 90 * time.Second

func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%v; the page: %s", err, where(ctx))
	}
}

func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%v; the page: %s", err, where(ctx))
	}
	return v
}

// where describes the page a failed step left the tab on.
func where(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 600) : ''`))
	return fmt.Sprintf("%s %q", loc, text)
}

// checkFile uploads a file through the check page's file picker and waits
// for the verdict shown in place.
func checkFile(t *testing.T, ctx context.Context, base, path string) string {
	t.Helper()
	run(t, ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("file")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{path}),
		chromedp.WaitVisible(chromedp.ID("verdict")),
	)
	return get(t, ctx, chromedp.TextContent(chromedp.ID("verdict")))
}

// pairInfo is what the page shows of one thumbnail pair.
type pairInfo struct {
	QuerySrc    string `json:"q"`
	QueryLoaded bool   `json:"ql"`
	EntrySrc    string `json:"e"`
	EntryLoaded bool   `json:"el"`
}

const pairsJS = `(async () => {
  const imgs = [...document.querySelectorAll('.pair img')];
  await Promise.all(imgs.map(i => i.decode().catch(() => {})));
  return [...document.querySelectorAll('.pair')].map(p => {
    const [q, e] = p.querySelectorAll('figure');
    const qi = q.querySelector('img'), ei = e.querySelector('img');
    return {q: qi ? qi.getAttribute('src') : '', ql: !!qi && qi.complete && qi.naturalWidth > 0,
            e: ei ? ei.getAttribute('src') : '', el: !!ei && ei.complete && ei.naturalWidth > 0};
  });
})()`

func pairs(t *testing.T, ctx context.Context) []pairInfo {
	t.Helper()
	return get(t, ctx, chromedp.Evaluate[[]pairInfo](pairsJS, chromedp.EvalAwaitPromise))
}

// fetchJPEG asserts that a registered thumbnail is served as a JPEG.
func fetchJPEG(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || len(b) == 0 || b[0] != 0xff || b[1] != 0xd8 {
		t.Errorf("%s: %d %q, %d bytes", url, resp.StatusCode, resp.Header.Get("Content-Type"), len(b))
	}
}

// noHorizontalScroll asserts that the page fits its viewport's width.
func noHorizontalScroll(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	widths := get(t, ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, document.documentElement.clientWidth, window.innerWidth]`))
	if len(widths) != 3 || widths[0] > widths[1] {
		t.Errorf("%s at 390 px: scroll width %v > client width (scrollWidth, clientWidth, innerWidth)", what, widths)
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	img := get(t, ctx, chromedp.FullScreenshot(85)) // JPEG
	dir := t.TempDir()
	if *updateScreenshots {
		dir = "testdata"
	}
	if err := os.WriteFile(filepath.Join(dir, name), img, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserCheckPage(t *testing.T) {
	b := browser(t)
	svc := startService(t)

	t.Run("match", func(t *testing.T) {
		ctx := tab(t, b)
		verdict := checkFile(t, ctx, svc.url, sample("nypd-ice-repost.mp4"))
		if !strings.Contains(verdict, "Debunked") || strings.Contains(verdict, "Possibly") {
			t.Errorf("verdict %q", verdict)
		}
		title := get(t, ctx, chromedp.Text(chromedp.CSS(".case h3")))
		href := get(t, ctx, chromedp.AttributeValue(chromedp.CSS(`a[href^="https://leadstories.com/"]`), "href")).Value
		segs := get(t, ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('.timeline rect.seg')].filter(r => r.getBBox().width > 0).length`))
		if !strings.Contains(title, "NYPD officers arresting ICE agents") {
			t.Errorf("case title %q", title)
		}
		if !strings.Contains(href, "leadstories.com/hoax-alert/2025/12/") {
			t.Errorf("Lead Stories link %q", href)
		}
		if segs < 2 {
			t.Errorf("%d timeline segments drawn (want the checked and the registered side)", segs)
		}
		ps := pairs(t, ctx)
		loaded := 0
		for _, p := range ps {
			if !p.QueryLoaded || !p.EntryLoaded {
				continue
			}
			if !strings.HasPrefix(p.QuerySrc, "data:image/jpeg;base64,") || len(p.QuerySrc) < 200 {
				t.Errorf("checked-side thumbnail %.60q", p.QuerySrc)
			}
			fetchJPEG(t, svc.url+p.EntrySrc)
			loaded++
		}
		if loaded < 3 {
			t.Errorf("%d thumbnail pairs loaded of %d shown, want ≥ 3: %+v", loaded, len(ps), ps)
		}
		screenshot(t, ctx, "match.jpg")
	})

	t.Run("no_match", func(t *testing.T) {
		ctx := tab(t, b)
		verdict := checkFile(t, ctx, svc.url, sample("unrelated.mp4"))
		if !strings.Contains(verdict, "No known debunk") {
			t.Errorf("verdict %q", verdict)
		}
		text := get(t, ctx, chromedp.Text(chromedp.CSS(".result")))
		cases := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.case').length`))
		if !strings.Contains(text, "does not mean") || cases != 0 {
			t.Errorf("no_match page: %d cases shown; text %q", cases, text)
		}
		screenshot(t, ctx, "no-match.jpg")
	})

	t.Run("without_script", func(t *testing.T) {
		// A plain form post: the server answers with a result page.
		ctx := tab(t, b)
		run(t, ctx,
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				// The page's script is not loaded: the browser of a
				// reader who turned scripts off.
				if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
					return err
				}
				_, err := cdp.Call(ctx, tg, network.SetBlockedURLs, network.SetBlockedURLsParams{
					URLPatterns: []*network.BlockPattern{{URLPattern: "*://*:*/static/provcheck.js", Block: true}}})
				return err
			}),
			chromedp.Navigate(svc.url+"/"),
			chromedp.SetUploadFiles(chromedp.ID("file"), []string{sample("nypd-ice-repost.mp4")}),
			chromedp.Click(chromedp.CSS(`#check-form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.ID("verdict")),
		)
		verdict := get(t, ctx, chromedp.TextContent(chromedp.ID("verdict")))
		url := get(t, ctx, chromedp.Location())
		if !strings.Contains(verdict, "Debunked") || !strings.HasSuffix(url, "/check") {
			t.Errorf("verdict %q at %s", verdict, url)
		}
	})

	t.Run("phone_width", func(t *testing.T) {
		ctx := tab(t, b)
		run(t, ctx, chromedp.EmulateViewport(390, 844))
		for _, path := range []string{"/", "/cases", "/cases/nypd-arrests-ice-sora", "/signin"} {
			run(t, ctx, chromedp.Navigate(svc.url+path), chromedp.WaitReady(chromedp.CSS("body")))
			noHorizontalScroll(t, ctx, path)
		}
		checkFile(t, ctx, svc.url, sample("nypd-ice-repost.mp4"))
		noHorizontalScroll(t, ctx, "the match result")
		screenshot(t, ctx, "match-390px.jpg")
	})

	t.Run("headers", func(t *testing.T) {
		for _, path := range []string{"/", "/cases", "/signin"} {
			resp, err := http.Get(svc.url + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") ||
				resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: CSP %q, X-Content-Type-Options %q", path, csp, resp.Header.Get("X-Content-Type-Options"))
			}
		}
	})
}

// TestBrowserRegistry signs in, adds a case with a photo (its title holds a
// script tag, which must be shown as text), checks the photo, deletes the
// case and checks the photo again. The forms are sent and the deletion
// confirmed from the keyboard (Enter).
func TestBrowserRegistry(t *testing.T) {
	b := browser(t)
	svc := startService(t)
	photo := filepath.Join(t.TempDir(), "desk-photo.jpg")
	if err := testmedia.WriteJPEG(photo, testmedia.Picture(41, 1280, 720), 90); err != nil {
		t.Fatal(err)
	}
	ctx := tab(t, b)
	const title = `Doctored photo <script>window.pwned=1</script> of a flood`

	run(t, ctx,
		chromedp.Navigate(svc.url+"/add"), // not signed in: sent to the sign-in page
		chromedp.WaitVisible(chromedp.ID("key")),
		chromedp.SendKeys(chromedp.ID("key"), apiKey+kb.Enter), // by keyboard
		chromedp.WaitVisible(chromedp.ID("cf-title")),
	)
	cookies := get(t, ctx, chromedp.Action[[]*network.Cookie](func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{})
		return res.Cookies, err
	}))
	found := false
	for _, c := range cookies {
		if c.Name == "provcheck_session" {
			found = true
			if !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict {
				t.Errorf("session cookie: HttpOnly %v, SameSite %q", c.HTTPOnly, c.SameSite)
			}
		}
	}
	if !found {
		t.Fatalf("no session cookie after signing in: %+v", cookies)
	}

	run(t, ctx,
		chromedp.SetUploadFiles(chromedp.ID("cf-file"), []string{photo}),
		chromedp.SendKeys(chromedp.ID("cf-title"), title),
		chromedp.SendKeys(chromedp.ID("cf-claim"), "Photo shows the flood in the city centre"),
		chromedp.SendKeys(chromedp.ID("cf-rating"), "False"),
		chromedp.SetValue(chromedp.ID("cf-category"), "EditedOrCroppedContent"),
		chromedp.SendKeys(chromedp.ID("cf-publisher"), "Test Desk"),
		chromedp.SendKeys(chromedp.ID("cf-url"), "https://example.org/fact-check/flood"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".medium")),
	)
	h1 := get(t, ctx, chromedp.Text(chromedp.CSS("h1")))
	pwned := get(t, ctx, chromedp.Evaluate[bool](`window.pwned === 1`))
	if h1 != title || pwned {
		t.Errorf("case page h1 %q (want the title as text), script ran: %v", h1, pwned)
	}
	// The case page shows the registered photo's thumbnail.
	strip := get(t, ctx, chromedp.Evaluate[[]string](`(async () => {
	  const imgs = [...document.querySelectorAll('.strip img')];
	  await Promise.all(imgs.map(i => i.decode().catch(() => {})));
	  return imgs.filter(i => i.naturalWidth > 0).map(i => i.getAttribute('src'));
	})()`, chromedp.EvalAwaitPromise))
	if len(strip) != 1 {
		t.Errorf("case page thumbnails %v, want the photo's one", strip)
	} else {
		fetchJPEG(t, svc.url+strip[0])
	}
	loc := get(t, ctx, chromedp.Location())
	id := loc[strings.LastIndex(loc, "/")+1:]

	verdict := checkFile(t, ctx, svc.url, photo)
	caseTitle := get(t, ctx, chromedp.Text(chromedp.CSS(".case h3")))
	pwned = get(t, ctx, chromedp.Evaluate[bool](`window.pwned === 1`))
	if !strings.Contains(verdict, "Debunked") || caseTitle != title || pwned {
		t.Errorf("checking the registered photo: verdict %q, case %q, script ran: %v", verdict, caseTitle, pwned)
	}
	ps := pairs(t, ctx)
	if len(ps) != 1 || !ps[0].QueryLoaded || !ps[0].EntryLoaded {
		t.Errorf("photo pairs %+v", ps)
	} else {
		fetchJPEG(t, svc.url+ps[0].EntrySrc)
	}

	run(t, ctx,
		chromedp.Navigate(svc.url+"/cases/"+id+"/delete"),
		chromedp.WaitVisible(chromedp.CSS("button.danger")),
		chromedp.Focus(chromedp.CSS("button.danger")),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	flash := get(t, ctx, chromedp.Text(chromedp.CSS(".flash")))
	if !strings.Contains(flash, "deleted") {
		t.Errorf("after deleting: %q", flash)
	}
	verdict = checkFile(t, ctx, svc.url, photo)
	if !strings.Contains(verdict, "No known debunk") {
		t.Errorf("after deleting the case, the photo is %q", verdict)
	}

	// A form without the session's token is refused.
	resp, err := http.Post(svc.url+"/cases/nypd-arrests-ice-sora/delete", "application/x-www-form-urlencoded", strings.NewReader("csrf=x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("delete without a session: %d", resp.StatusCode)
	}
}
