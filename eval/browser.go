package main

// Browser recipes: a feed post rendered by a real browser (headless
// Chromium, a screenshot of the viewport) and a screen recording of a page
// playing the clip (Chromium on a virtual X display, recorded by ffmpeg's
// x11grab). The pages are HTML written here, loaded from a local file;
// they load nothing from the network (a Content-Security-Policy that
// allows only the page's own directory, and a browser whose host names
// resolve nowhere and whose proxy is a closed port).

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/provcheck/provcheck/internal/media"
)

// BrowserJob is how a browser recipe makes its file.
type BrowserJob struct {
	// Layout names the page: one of Layouts.
	Layout string
	// Record makes a screen recording of the page playing a clip (MP4);
	// otherwise the variant is a PNG screenshot of the page showing a
	// picture.
	Record bool
}

// Ext is the extension of the file the job makes.
func (b BrowserJob) Ext() string {
	if b.Record {
		return "mp4"
	}
	return "png"
}

// Layout is a page template: the size of the browser's viewport, its
// device pixel ratio (a phone screenshot has two device pixels a CSS
// pixel) and the page's look.
type Layout struct {
	Name          string
	Width, Height int     // viewport, CSS pixels
	Scale         float64 // device pixels per CSS pixel
	Dark          bool
	Desktop       bool
	// Cover crops the picture to the feed's aspect range (4:5 to 1.91:1),
	// as photo feeds do; otherwise the whole picture is shown, fitted.
	Cover bool
}

// Layouts are the pages of the browser recipes.
var Layouts = map[string]Layout{
	"phone":      {Name: "phone", Width: 412, Height: 915, Scale: 2, Cover: true},
	"phone-dark": {Name: "phone-dark", Width: 390, Height: 844, Scale: 2, Dark: true},
	"desktop":    {Name: "desktop", Width: 1366, Height: 768, Scale: 1, Desktop: true},
	"video":      {Name: "video", Width: 1280, Height: 720, Scale: 1, Desktop: true},
}

// PageData fills a page template.
type PageData struct {
	Layout
	Src        string // the picture or clip, relative to the page
	W, H       int    // its size in pixels
	Video      bool
	User       string
	Handle     string
	Initials   string
	Text       string
	Likes      string
	Comments   string
	AspectCSS  string // the picture's box aspect-ratio (Cover)
	ImageWidth int    // desktop: the picture's box width, CSS px
}

// feedAspect clamps a picture's aspect ratio (w/h) to the range a photo
// feed shows, 4:5 (portrait) to 1.91:1 (landscape).
func feedAspect(w, h int) float64 {
	if w <= 0 || h <= 0 {
		return 1
	}
	return min(1.91, max(0.8, float64(w)/float64(h)))
}

// NewPageData is the data of a page showing the file src of w×h pixels.
func NewPageData(l Layout, src string, w, h int, video bool) PageData {
	d := PageData{Layout: l, Src: src, W: w, H: h, Video: video,
		User: "Daily Viral News", Handle: "@dailyviral.news", Initials: "DV",
		Text:  "Is this real?? Nobody is talking about this. Share before they take it down #breaking #viral",
		Likes: "48,213", Comments: "1,024"}
	if l.Dark {
		d.User, d.Handle, d.Initials = "Real Stories", "@realstories_24", "RS"
		d.Text = "They did not show you this part. Watch it till the end."
		d.Likes, d.Comments = "12.4K", "893"
	}
	d.AspectCSS = strconv.FormatFloat(feedAspect(w, h), 'f', 4, 64)
	d.ImageWidth = 560
	return d
}

// pageCSP allows the page its own directory (the picture or clip beside
// it), inline style and SVG, and one inline script; nothing else.
const pageCSP = "default-src 'none'; img-src file: data:; media-src file:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.User}}</title>
<style>
*{box-sizing:border-box}
body{margin:0;font-family:"DejaVu Sans",sans-serif;{{if .Dark}}background:#000;color:#f3f5f7{{else}}background:{{if .Desktop}}#f0f2f5{{else}}#fff{{end}};color:#111{{end}}}
.bar{display:flex;align-items:center;justify-content:space-between;padding:0 14px}
.status{height:28px;font-size:13px;font-weight:bold}
.appbar{height:52px;font-size:24px;font-weight:bold;{{if .Desktop}}background:#1877f2;color:#fff;position:fixed;top:0;left:0;right:0;z-index:2{{end}}}
.icons span{display:inline-block;width:24px;height:24px;margin-left:16px;border:2px solid currentColor;border-radius:7px}
.stories{display:flex;gap:12px;padding:8px 12px;overflow:hidden;{{if not .Dark}}border-bottom:1px solid #dbdbdb{{end}}}
.story{flex:0 0 62px;height:62px;border-radius:50%;padding:3px;background:linear-gradient(45deg,#f9ce34,#ee2a7b,#6228d7)}
.story i{display:block;width:100%;height:100%;border-radius:50%;border:3px solid {{if .Dark}}#000{{else}}#fff{{end}};background:#c9ced6}
.post{ {{if .Desktop}}background:#fff;border-radius:10px;box-shadow:0 1px 2px rgba(0,0,0,.2);margin:12px 0;padding:12px 0{{else}}padding:6px 0{{end}} }
.head{display:flex;align-items:center;padding:6px 12px;gap:10px}
.avatar{width:40px;height:40px;border-radius:50%;background:linear-gradient(135deg,#ff7a18,#af002d);color:#fff;font-weight:bold;font-size:15px;display:flex;align-items:center;justify-content:center;flex:0 0 40px}
.name{font-weight:bold;font-size:15px}
.sub{font-size:12px;color:{{if .Dark}}#8a8d91{{else}}#65676b{{end}}}
.follow{margin-left:auto;background:#0095f6;color:#fff;font-weight:bold;font-size:13px;padding:6px 14px;border-radius:8px}
.text{padding:4px 12px 8px;font-size:15px;line-height:1.35}
.media{margin:0 {{if .Desktop}}16px{{else}}8px{{end}};border-radius:16px;overflow:hidden;background:{{if .Dark}}#181818{{else}}#e4e6eb{{end}};display:flex;justify-content:center}
.media img{display:block;{{if .Cover}}width:100%;aspect-ratio:{{.AspectCSS}};object-fit:cover{{else}}max-width:100%;max-height:{{if .Desktop}}440px{{else}}520px{{end}};object-fit:contain{{end}}}
.media video{display:block;width:100%;max-height:430px;background:#000;object-fit:contain}
.actions{display:flex;gap:18px;padding:10px 14px 4px;align-items:center}
.actions svg{width:26px;height:26px;fill:none;stroke:currentColor;stroke-width:2}
.actions .save{margin-left:auto}
.likes{font-weight:bold;font-size:14px;padding:2px 14px}
.more{font-size:14px;padding:2px 14px;color:{{if .Dark}}#8a8d91{{else}}#65676b{{end}}}
.nav{position:fixed;left:0;right:0;bottom:0;height:52px;display:flex;justify-content:space-around;align-items:center;background:{{if .Dark}}#000;border-top:1px solid #262626{{else}}#fff;border-top:1px solid #dbdbdb{{end}}}
.nav span{width:26px;height:26px;border:2px solid currentColor;border-radius:6px}
.page{display:grid;grid-template-columns:260px 1fr 300px;gap:24px;padding:64px 20px 0}
.side div{height:14px;border-radius:7px;background:#dadde1;margin:14px 0}
.side b{display:block;font-size:16px;margin:16px 0 8px}
.col{max-width:{{if .Video}}760{{else}}600{{end}}px;width:100%;justify-self:center}
.search{background:rgba(255,255,255,.9);color:#888;font-size:15px;font-weight:normal;border-radius:16px;padding:6px 18px;width:260px}
.progress{height:4px;background:#ccc;margin:8px 16px 0;border-radius:2px}
.progress i{display:block;width:35%;height:4px;background:#f00;border-radius:2px}
</style></head><body>
{{if .Desktop}}
<div class="bar appbar"><span>NewsFeed</span><span class="search">Search</span><span class="icons"><span></span><span></span><span></span></span></div>
<div class="page">
<div class="side"><b>Home</b><b>Friends</b><b>Watch</b><b>Groups</b><div style="width:80%"></div><div style="width:65%"></div><div style="width:72%"></div></div>
<div class="col">
{{else}}
<div class="bar status"><span>12:45</span><span>LTE 87%</span></div>
<div class="bar appbar"><span>{{if .Dark}}Threadline{{else}}Snapfeed{{end}}</span><span class="icons"><span></span><span></span></span></div>
{{if not .Dark}}<div class="stories"><div class="story"><i></i></div><div class="story"><i></i></div><div class="story"><i></i></div><div class="story"><i></i></div><div class="story"><i></i></div></div>{{end}}
{{end}}
<div class="post">
<div class="head"><div class="avatar">{{.Initials}}</div><div><div class="name">{{.User}}</div><div class="sub">{{.Handle}} · 2h</div></div><div class="follow">Follow</div></div>
{{if or .Dark .Desktop}}<div class="text">{{.Text}}</div>{{end}}
<div class="media">{{if .Video}}<video id="clip" src="{{.Src}}" autoplay muted playsinline preload="auto"></video>{{else}}<img id="pic" src="{{.Src}}" alt="">{{end}}</div>
{{if .Video}}<div class="progress"><i></i></div>{{end}}
<div class="actions">
<svg viewBox="0 0 24 24"><path d="M12 21s-8-5.3-8-11a4.5 4.5 0 0 1 8-2.8A4.5 4.5 0 0 1 20 10c0 5.7-8 11-8 11z"/></svg>
<svg viewBox="0 0 24 24"><path d="M21 12a8 8 0 1 1-3.2-6.4L21 4l-1 4.2A8 8 0 0 1 21 12z"/></svg>
<svg viewBox="0 0 24 24"><path d="M22 3L2 10l8 3 3 8z"/></svg>
<svg class="save" viewBox="0 0 24 24"><path d="M6 3h12v18l-6-5-6 5z"/></svg>
</div>
<div class="likes">{{.Likes}} likes</div>
{{if not (or .Dark .Desktop)}}<div class="text"><b>{{.Handle}}</b> {{.Text}}</div>{{end}}
<div class="more">View all {{.Comments}} comments</div>
</div>
{{if .Desktop}}
</div>
<div class="side"><b>Trending</b><div style="width:60%"></div><div style="width:85%"></div><b>Up next</b><div style="width:90%"></div><div style="width:70%"></div><div style="width:80%"></div></div>
</div>
{{else}}
<div class="nav"><span></span><span></span><span></span><span></span><span></span></div>
{{end}}
{{if .Video}}<script>
var v = document.getElementById('clip');
window.clipState = 'loading';
v.addEventListener('playing', function () { if (window.clipState === 'loading') window.clipState = 'playing'; });
v.addEventListener('ended', function () { window.clipState = 'ended'; });
v.addEventListener('error', function () { window.clipState = 'error ' + (v.error ? v.error.code : '?'); });
</script>{{end}}
</body></html>
`))

// PageHTML is the page's HTML.
func PageHTML(d PageData) ([]byte, error) {
	var b bytes.Buffer
	err := pageTemplate.Execute(&b, struct {
		PageData
		CSP string
	}{d, pageCSP})
	return b.Bytes(), err
}

// Chromium is the browser: $PROVCHECK_CHROMIUM, else chromium (or
// chromium-browser) on PATH.
func Chromium() (string, error) {
	if p := os.Getenv("PROVCHECK_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("chromium is not installed (apt-get install chromium)")
}

// Xvfb is the virtual X server the screen recording runs in.
func Xvfb() (string, error) {
	p, err := exec.LookPath("Xvfb")
	if err != nil {
		return "", errors.New("Xvfb is not installed (apt-get install xvfb)")
	}
	return p, nil
}

// Missing says what the job needs that is not installed (nil: nothing).
func (b BrowserJob) Missing() error {
	if _, err := Chromium(); err != nil {
		return err
	}
	if b.Record {
		if _, err := Xvfb(); err != nil {
			return err
		}
		if !x11grabAvailable() {
			return errors.New("ffmpeg has no x11grab input device (Debian's ffmpeg has it)")
		}
	}
	return nil
}

// x11grabAvailable reports (once) whether ffmpeg has the x11grab input.
var x11grabAvailable = sync.OnceValue(func() bool {
	out, err := exec.Command("ffmpeg", "-hide_banner", "-devices").Output()
	return err == nil && bytes.Contains(out, []byte("x11grab"))
})

// Time limits of the browser steps.
const (
	shotTimeout   = 2 * time.Minute  // start the browser, load the page, take the screenshot
	xvfbTimeout   = 30 * time.Second // the virtual display to come up
	recordLead    = 1 * time.Second  // recording before the page is opened
	recordTail    = 1 * time.Second  // recording after the clip has ended
	recordSlack   = 60 * time.Second // beyond twice the clip's length, before a recording is abandoned
	recordFPS     = 25
	recordCatchUp = 500 * time.Millisecond // how far the written recording may trail the capture when it is stopped
	ffmpegQuitMax = 30 * time.Second       // ffmpeg to finish the file after it is told to quit
)

// chromiumFlags are the browser's flags beyond chromedp's defaults: no
// sandbox (the evaluation runs as root), no GPU, a fresh profile, and no
// network — every host name resolves nowhere and every request would go
// to a closed proxy port.
func chromiumFlags(profile string, w, h int) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(w, h),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("test-type", true), // no warning bar for --no-sandbox
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("hide-scrollbars", true),
	}
}

// writePage writes the page for a file into dir, beside a link to the
// file (named media.EXT), and returns the page's path.
func writePage(dir, src string, l Layout, w, h int, video bool) (string, error) {
	name := "media" + strings.ToLower(filepath.Ext(src))
	abs, err := filepath.Abs(src)
	if err != nil {
		return "", err
	}
	if err := os.Symlink(abs, filepath.Join(dir, name)); err != nil {
		return "", err
	}
	page, err := PageHTML(NewPageData(l, name, w, h, video))
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "page.html")
	return p, os.WriteFile(p, page, 0o644)
}

func fileURL(p string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
}

// Screenshot renders the page of layout l showing the picture at src
// (w×h pixels) in headless Chromium and writes a PNG of the viewport to
// out.
func Screenshot(ctx context.Context, l Layout, src string, w, h int, out string) error {
	exe, err := Chromium()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, shotTimeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "provcheck-eval-page-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	page, err := writePage(dir, src, l, w, h, false)
	if err != nil {
		return err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe))
	opts = append(opts, chromiumFlags(filepath.Join(dir, "profile"), l.Width, l.Height)...)
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	err = chromedp.Do(bctx,
		chromedp.EmulateViewport(int64(l.Width), int64(l.Height), chromedp.EmulateScale(l.Scale)),
		chromedp.Navigate(fileURL(page)),
	)
	if err != nil {
		return browserErr(ctx, "loading the page", err)
	}
	// The picture must be shown: decoded and laid out.
	if err := waitFor(bctx, `(function(){var i=document.getElementById('pic');`+
		`if(!i.complete)return '';return i.naturalWidth>0?'ok':'error'})()`); err != nil {
		return browserErr(ctx, "showing the picture", err)
	}
	png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
	if err != nil {
		return browserErr(ctx, "taking the screenshot", err)
	}
	return os.WriteFile(out, png, 0o644)
}

// waitFor polls a script until it returns a non-empty string: "ok", or
// an error.
func waitFor(ctx context.Context, script string) error {
	for {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](script))
		if err != nil {
			return err
		}
		switch {
		case s == "ok":
			return nil
		case s != "":
			return errors.New(s)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func browserErr(ctx context.Context, step string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("chromium: %s: timed out", step)
	}
	return fmt.Errorf("chromium: %s: %w", step, err)
}

// pageClipArgs transcode a clip for the page: H.264 in MP4 (Debian's
// Chromium plays it; the sources include AVI with Cinepak or Indeo, which
// no browser plays), even sizes, no audio.
func pageClipArgs(in, out string) []string {
	return []string{"-i", in, "-an", "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1,format=yuv420p",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-movflags", "+faststart", out}
}

// xvfbArgs start a virtual X server on a free display, written to file
// descriptor 3 when it is ready.
func xvfbArgs(w, h int) []string {
	return []string{"-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h), "-nolisten", "tcp", "-noreset"}
}

// x11grabArgs record the display (w×h from its top left corner) at
// recordFPS for at most maxSeconds into an H.264 MP4; ffmpeg stops
// earlier when it reads q on its standard input.
func x11grabArgs(display string, w, h int, maxSeconds float64, out string) []string {
	return []string{"-hide_banner", "-loglevel", "error", "-f", "x11grab", "-draw_mouse", "0",
		"-framerate", strconv.Itoa(recordFPS), "-video_size", fmt.Sprintf("%dx%d", w, h), "-i", display + "+0,0",
		"-t", strconv.FormatFloat(maxSeconds, 'f', 1, 64),
		"-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-pix_fmt", "yuv420p", "-y", out}
}

// recordMu lets one screen recording run at a time: they run in real
// time, and two at once would share the CPU and drop frames.
var recordMu sync.Mutex

// Record shows the clip at src (w×h, seconds long) playing in a page of
// layout l, in Chromium on a virtual X display, and records the display
// with ffmpeg into out (MP4): from a second before the page opens until a
// second after the clip has ended.
func Record(ctx context.Context, l Layout, src string, w, h int, seconds float64, out string) error {
	exe, err := Chromium()
	if err != nil {
		return err
	}
	xvfb, err := Xvfb()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "provcheck-eval-rec-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	clip := filepath.Join(dir, "clip.mp4")
	if err := ffmpeg(ctx, pageClipArgs(src, clip)...); err != nil {
		return fmt.Errorf("transcoding the clip for the page: %w", err)
	}
	pageDir := filepath.Join(dir, "page")
	if err := os.Mkdir(pageDir, 0o755); err != nil {
		return err
	}
	page, err := writePage(pageDir, clip, l, w, h, true)
	if err != nil {
		return err
	}

	recordMu.Lock()
	defer recordMu.Unlock()
	limit := 2*time.Duration(seconds*float64(time.Second)) + recordSlack
	ctx, cancel := context.WithTimeout(ctx, limit+xvfbTimeout+ffmpegQuitMax)
	defer cancel()

	display, stopX, err := startXvfb(ctx, xvfb, l.Width, l.Height)
	if err != nil {
		return err
	}
	defer stopX()

	// A window on the virtual display (chromedp.VisibleWindow would look
	// for a display in this process's environment, not the browser's).
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe),
		chromedp.Flag("headless", false), chromedp.Flag("enable-automation", false))
	opts = append(opts, chromiumFlags(filepath.Join(dir, "profile"), l.Width, l.Height)...)
	opts = append(opts, chromedp.Env("DISPLAY="+display), chromedp.Flag("kiosk", true),
		chromedp.Flag("window-position", "0,0"),
		chromedp.Flag("noerrdialogs", true), chromedp.Flag("disable-session-crashed-bubble", true))
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	if err := chromedp.Do(bctx); err != nil {
		return browserErr(ctx, "starting", err)
	}

	// ffmpeg records from before the page is opened. Its progress report
	// (stdout) says when it has written its first frame and how much it
	// has written: on a busy machine ffmpeg can take seconds to start, and
	// its encoder can fall behind the capture.
	args := append([]string{"-progress", "pipe:1", "-stats_period", "0.1"}, x11grabArgs(display, l.Width, l.Height, limit.Seconds(), out)...)
	rec := exec.CommandContext(ctx, "ffmpeg", args...)
	rec.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	rec.Cancel = func() error { return syscall.Kill(-rec.Process.Pid, syscall.SIGKILL) }
	stdin, err := rec.StdinPipe()
	if err != nil {
		return err
	}
	progress, err := rec.StdoutPipe()
	if err != nil {
		return err
	}
	var recErr bytes.Buffer
	rec.Stderr = &recErr
	if err := rec.Start(); err != nil {
		return fmt.Errorf("ffmpeg x11grab: %w", err)
	}
	written := newRecordProgress(progress)
	recDone := make(chan error, 1)
	go func() {
		<-written.closed // Wait closes stdout: read it to its end first
		recDone <- rec.Wait()
	}()
	stopRec := func() error {
		// Let the encoder catch up with the capture (bounded), so that
		// quitting does not leave the recording short.
		first := written.firstAt()
		wall := time.Since(first)
		for deadline := time.Now().Add(ffmpegQuitMax); !first.IsZero() && written.outTime() < wall-recordCatchUp && time.Now().Before(deadline); {
			select {
			case <-written.closed:
				deadline = time.Now()
			case <-time.After(100 * time.Millisecond):
			}
		}
		io.WriteString(stdin, "q")
		stdin.Close()
		select {
		case err := <-recDone:
			if err != nil {
				return fmt.Errorf("ffmpeg x11grab: %v: %s", err, lastLine(recErr.Bytes()))
			}
			return nil
		case <-time.After(ffmpegQuitMax):
			syscall.Kill(-rec.Process.Pid, syscall.SIGKILL)
			<-recDone
			return errors.New("ffmpeg x11grab did not finish the recording")
		}
	}
	select {
	case err := <-recDone:
		return fmt.Errorf("ffmpeg x11grab ended before the page was opened: %v: %s", err, lastLine(recErr.Bytes()))
	case <-ctx.Done():
		stopRec()
		return fmt.Errorf("ffmpeg x11grab did not start recording: %w", ctx.Err())
	case <-written.started:
	}
	select {
	case err := <-recDone:
		return fmt.Errorf("ffmpeg x11grab ended before the page was opened: %v: %s", err, lastLine(recErr.Bytes()))
	case <-time.After(recordLead):
	}

	pctx, cancelP := context.WithTimeout(bctx, limit)
	defer cancelP()
	err = chromedp.Do(pctx, chromedp.Navigate(fileURL(page)))
	if err == nil {
		err = waitFor(pctx, `(function(){var s=window.clipState;return s==='ended'?'ok':(s&&s.indexOf('error')===0?'the clip did not play ('+s+')':'')})()`)
	}
	if err != nil {
		stopRec()
		os.Remove(out)
		return browserErr(pctx, "playing the clip", err)
	}
	time.Sleep(recordTail)
	if err := stopRec(); err != nil {
		os.Remove(out)
		return err
	}
	return nil
}

// recordProgress follows ffmpeg's -progress report: when the first frame
// was written and how far the output has got.
type recordProgress struct {
	started chan struct{} // closed at the first frame written
	closed  chan struct{} // closed when the report ends
	mu      sync.Mutex
	first   time.Time
	out     time.Duration
}

func newRecordProgress(r io.Reader) *recordProgress {
	p := &recordProgress{started: make(chan struct{}), closed: make(chan struct{})}
	go func() {
		defer close(p.closed)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			p.line(sc.Text())
		}
		io.Copy(io.Discard, r)
	}()
	return p
}

// line takes one key=value line of the report.
func (p *recordProgress) line(l string) {
	k, v, ok := strings.Cut(l, "=")
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch k {
	case "frame":
		if n, err := strconv.Atoi(v); err == nil && n > 0 && p.first.IsZero() {
			p.first = time.Now()
			close(p.started)
		}
	case "out_time_us":
		if us, err := strconv.ParseInt(v, 10, 64); err == nil && us > 0 {
			p.out = time.Duration(us) * time.Microsecond
		}
	}
}

func (p *recordProgress) firstAt() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.first
}

func (p *recordProgress) outTime() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out
}

// startXvfb starts a virtual X server on a free display and returns the
// display's name (":N") and a function that stops it.
func startXvfb(ctx context.Context, xvfb string, w, h int) (string, func(), error) {
	r, wr, err := os.Pipe()
	if err != nil {
		return "", nil, err
	}
	defer r.Close()
	cmd := exec.CommandContext(ctx, xvfb, xvfbArgs(w, h)...)
	cmd.ExtraFiles = []*os.File{wr}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		wr.Close()
		return "", nil, fmt.Errorf("Xvfb: %w", err)
	}
	wr.Close()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	stop := func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	line := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(r, 64))
		line <- strings.TrimSpace(string(b))
	}()
	// Xvfb writes the display number and a newline but keeps the pipe
	// open; read what comes within the time limit.
	var num string
	select {
	case num = <-line:
	case <-done:
		return "", nil, fmt.Errorf("Xvfb ended before its display was ready: %s", lastLine(stderr.Bytes()))
	case <-time.After(xvfbTimeout):
		stop()
		return "", nil, errors.New("Xvfb: no display within " + xvfbTimeout.String())
	}
	if _, err := strconv.Atoi(num); err != nil {
		stop()
		return "", nil, fmt.Errorf("Xvfb: display %q: %s", num, lastLine(stderr.Bytes()))
	}
	return ":" + num, stop, nil
}

// makeBrowserVariant makes the browser recipe's file for an item.
func makeBrowserVariant(ctx context.Context, b BrowserJob, it *Item, out string) error {
	l, ok := Layouts[b.Layout]
	if !ok {
		return fmt.Errorf("no page layout %q", b.Layout)
	}
	if b.Record {
		if it.Probe.Kind != media.KindVideo {
			return errors.New("a screen recording needs a clip")
		}
		return Record(ctx, l, it.Path, it.Probe.W, it.Probe.H, it.Probe.Duration, out)
	}
	return Screenshot(ctx, l, it.Path, it.Probe.W, it.Probe.H, out)
}

// browserKey is the part of a browser variant's cache key that says how
// it is made: the page (its HTML, the layout), and for a recording the
// ffmpeg arguments.
func browserKey(b BrowserJob, it *Item) string {
	l := Layouts[b.Layout]
	page, _ := PageHTML(NewPageData(l, "media"+strings.ToLower(filepath.Ext(it.Path)), it.Probe.W, it.Probe.H, b.Record))
	k := fmt.Sprintf("browser %d|%+v|%s", browserVersion, l, page)
	if b.Record {
		k += "|" + strings.Join(pageClipArgs("IN", "OUT"), " ") + "|" + strings.Join(x11grabArgs("D", l.Width, l.Height, 0, "OUT"), " ")
	}
	return k
}

// browserVersion changes when how the browser variants are made changes
// in a way their key does not show (the browser's flags, the waits).
const browserVersion = 1
