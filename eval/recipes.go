package main

import (
	"fmt"
	"strings"

	"github.com/provcheck/provcheck/internal/media"
)

// Recipe is one named repost transformation: a list of operations that
// together describe one ffmpeg run. Combinations are recipes with several
// operations.
type Recipe struct {
	Name string
	Desc string
	// Video and Image say which registered media the recipe applies to.
	Video, Image bool
	// Quick recipes run in the -quick smoke run.
	Quick bool
	// Negative recipes are also applied to some negatives, as hard
	// negatives (an unrelated picture in a TikTok layout, a screenshot of
	// an unrelated post).
	Negative bool
	Ops      []Op
	// Browser recipes are made by a real browser (a screenshot of a page,
	// a screen recording), not by an ffmpeg filter graph. Their negatives
	// are a rotation of their own (BrowserNegatives), so that adding one
	// does not change which template the other negatives get.
	Browser *BrowserJob
}

// Applies reports whether the recipe makes variants of media of kind k.
func (r Recipe) Applies(k media.Kind) bool {
	if k == media.KindVideo {
		return r.Video
	}
	return r.Image
}

// IsControl reports whether the recipe is the unchanged original, which is
// shown in the tables but left out of the overall recall.
func (r Recipe) IsControl() bool { return len(r.Ops) == 0 && r.Browser == nil }

// Probe is what an operation needs to know about its input.
type Probe struct {
	Kind     media.Kind
	W, H     int
	Duration float64 // seconds; 0 for images
}

// Op adds one transformation to a job.
type Op func(j *Job, p Probe)

// Job is one ffmpeg run, assembled by the recipe's operations.
type Job struct {
	Pre     []string // input options, before -i
	Stages  []string // filter stages; "{in}", "{out}" and "{p}" are replaced
	Ext     string   // output extension: mp4, jpg, png, webp, gif
	CRF     int      // x264 quality for mp4 (0: 23)
	Preset  string   // x264 preset ("": ultrafast, to keep the run short)
	WebPQ   int      // libwebp quality (0: 75)
	JPEGQ   int      // >0: ffmpeg writes PNG, then Go writes JPEG at this quality
	Font    string   // font file for drawtext ("" lets fontconfig choose)
	BoldFnt string
}

func (j *Job) stage(s string) { j.Stages = append(j.Stages, s) }

// simple adds a filter chain with one input and one output.
func (j *Job) simple(chain string) { j.stage("{in}" + chain + "{out}") }

// text is a drawtext filter with the job's font.
func (j *Job) text(bold bool, txt, opts string) string {
	f := j.Font
	if bold && j.BoldFnt != "" {
		f = j.BoldFnt
	}
	s := "drawtext="
	if f != "" {
		s += "fontfile='" + f + "':"
	}
	return s + "expansion=none:text='" + txt + "':" + opts
}

// NewJob starts a job for a source of the given kind, with output fonts.
func NewJob(p Probe, font, bold string) *Job {
	j := &Job{Font: font, BoldFnt: bold, Ext: "jpg"}
	if p.Kind == media.KindVideo {
		j.Ext = "mp4"
	}
	return j
}

// Args returns ffmpeg's arguments to turn in into out (out's extension must
// be the job's, or png when JPEGQ is set).
func (j *Job) Args(in, out string) []string {
	args := append([]string{}, j.Pre...)
	args = append(args, "-i", in)
	stages := append([]string{}, j.Stages...)
	final := "setsar=1"
	if j.Ext == "mp4" {
		final = "scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1,format=yuv420p"
	}
	if j.Ext != "gif" {
		stages = append(stages, "{in}"+final+"{out}")
	}
	var graph []string
	for i, s := range stages {
		inLabel := fmt.Sprintf("[s%d]", i)
		if i == 0 {
			inLabel = "[0:v]"
		}
		outLabel := fmt.Sprintf("[s%d]", i+1)
		if i == len(stages)-1 {
			outLabel = "[vout]"
		}
		s = strings.ReplaceAll(s, "{in}", inLabel)
		s = strings.ReplaceAll(s, "{out}", outLabel)
		s = strings.ReplaceAll(s, "{p}", fmt.Sprintf("t%d", i))
		graph = append(graph, s)
	}
	args = append(args, "-filter_complex", strings.Join(graph, ";"), "-map", "[vout]", "-an")
	switch {
	case j.JPEGQ > 0:
		args = append(args, "-frames:v", "1", "-update", "1")
	case j.Ext == "mp4":
		crf := j.CRF
		if crf == 0 {
			crf = 23
		}
		preset := j.Preset
		if preset == "" {
			preset = "ultrafast"
		}
		args = append(args, "-c:v", "libx264", "-preset", preset, "-crf", fmt.Sprint(crf))
	case j.Ext == "jpg":
		args = append(args, "-frames:v", "1", "-update", "1", "-q:v", "2")
	case j.Ext == "png":
		args = append(args, "-frames:v", "1", "-update", "1")
	case j.Ext == "webp":
		q := j.WebPQ
		if q == 0 {
			q = 75
		}
		args = append(args, "-frames:v", "1", "-update", "1", "-c:v", "libwebp", "-quality", fmt.Sprint(q))
	case j.Ext == "gif":
		args = append(args, "-loop", "0")
	}
	return append(args, out)
}

// Build runs the recipe's operations for a source.
func (r Recipe) Build(p Probe, font, bold string) *Job {
	j := NewJob(p, font, bold)
	for _, op := range r.Ops {
		op(j, p)
	}
	return j
}

// The operations. Sizes are expressions of the input size, so that they work
// on any source; padded sizes are even, as pad rounds them down for 4:2:0
// pictures (and fails when that makes them smaller than the input).

// lowQuality is a low-bitrate re-encode with a preset that, like the
// platforms' encoders, spends its bits well: blur rather than blocks.
func lowQuality(j *Job, p Probe) { j.CRF = 40; j.Preset = "veryfast" }

func downscale(j *Job, p Probe) {
	j.simple("scale=w='trunc(max(iw/4,160)/2)*2':h=-2")
}

func crop916(j *Job, p Probe) {
	j.simple("crop=w='min(iw,trunc(ih*9/16/2)*2)':h='min(ih,trunc(iw*16/9/2)*2)'")
}

func cropZoom(j *Job, p Probe) {
	j.simple("crop=w=iw*0.88:h=ih*0.88:x=iw*0.03:y=ih*0.08")
}

func blurredBackground(j *Job, p Probe) {
	j.stage("{in}split[{p}a][{p}b];" +
		"[{p}a]scale=540:960:force_original_aspect_ratio=increase,crop=540:960,boxblur=20:4[{p}bg];" +
		"[{p}b]scale=540:960:force_original_aspect_ratio=decrease[{p}fg];" +
		"[{p}bg][{p}fg]overlay=(W-w)/2:(H-h)/2{out}")
}

func letterbox(j *Job, p Probe) {
	j.simple("pad=w='ceil(iw/2)*2':h='trunc(ih*4/3/2)*2':x=0:y=(oh-ih)/2:color=black")
}

func pillarbox(j *Job, p Probe) {
	j.simple("pad=w='trunc(iw*4/3/2)*2':h='ceil(ih/2)*2':x=(ow-iw)/2:y=0:color=black")
}

func padColor(j *Job, p Probe) {
	j.simple("pad=w='trunc(max(iw,ih)*1.08/2)*2':h='trunc(max(iw,ih)*1.08/2)*2':x=(ow-iw)/2:y=(oh-ih)/2:color=0x2b5797")
}

func caption(j *Job, p Probe) {
	j.simple("pad=w='ceil(iw/2)*2':h='trunc(ih*7/10)*2':x=0:y='trunc(ih/4)':color=white," +
		j.text(true, "BREAKING - watch before it is deleted", "fontsize='min(h/16,w/24)':x=(w-text_w)/2:y=h*0.07:fontcolor=black") + "," +
		j.text(false, "Share this with everyone", "fontsize='min(h/22,w/30)':x=(w-text_w)/2:y=h-h*0.07:fontcolor=0x333333"))
}

func watermark(j *Job, p Probe) {
	j.simple("drawbox=x=iw*0.03:y=ih*0.03:w=iw*0.16:h=ih*0.08:color=red@0.75:t=fill," +
		j.text(true, "LIVE", "fontsize=h*0.05:x=w*0.05:y=h*0.045:fontcolor=white") + "," +
		j.text(true, "@newsclips_daily", "fontsize='min(h/14,w/18)':x=w-text_w-w*0.03:y=h-text_h-h*0.05:fontcolor=white@0.65:shadowcolor=black@0.5:shadowx=2:shadowy=2"))
}

func mirror(j *Job, p Probe) { j.simple("hflip") }

func speed(f float64) Op {
	return func(j *Job, p Probe) { j.simple(fmt.Sprintf("setpts=PTS/%g,fps=25", f)) }
}

// trimWindow is the excerpt a trim takes: 3–6 s from a third of the way in
// (shorter for clips under 10 s).
func trimWindow(d float64) (start, length float64) {
	length = min(6, max(3, d*0.3))
	start = d / 3
	if start+length > d {
		start = max(0, d-length)
	}
	if length > d {
		length = d
	}
	return round2(start), round2(length)
}

func trim(j *Job, p Probe) {
	s, l := trimWindow(p.Duration)
	j.Pre = append(j.Pre, "-ss", fmt.Sprint(s), "-t", fmt.Sprint(l))
}

func colour(j *Job, p Probe) {
	j.simple("eq=contrast=1.3:saturation=1.5:brightness=0.05:gamma=0.9,hue=h=15")
}

func grayscale(j *Job, p Probe) { j.simple("hue=s=0") }

func noise(j *Job, p Probe) {
	if p.Kind == media.KindVideo {
		j.simple("noise=alls=25:allf=t")
		return
	}
	j.simple("noise=alls=25")
}

func rotate(j *Job, p Probe) { j.simple("rotate=a=4*PI/180:fillcolor=black") }

// appChrome puts the picture inside a desktop social-media page: a header
// bar, side panels with text, a post header and reactions.
func appChrome(j *Job, p Probe) {
	box := func(x, y, w, h int, c string) string {
		return fmt.Sprintf("drawbox=x=%d:y=%d:w=%d:h=%d:color=%s:t=fill", x, y, w, h, c)
	}
	txt := func(bold bool, s string, x, y, size int, c string) string {
		return j.text(bold, s, fmt.Sprintf("x=%d:y=%d:fontsize=%d:fontcolor=%s", x, y, size, c))
	}
	parts := []string{
		"scale=w=720:h=470:force_original_aspect_ratio=decrease",
		"pad=1280:720:x='280+(720-iw)/2':y='110+(470-ih)/2':color=0xf0f2f5",
		box(0, 0, 1280, 56, "0x1877f2"), txt(true, "NewsFeed", 24, 12, 28, "white"),
		box(960, 12, 290, 32, "white@0.9"), txt(false, "Search", 975, 18, 18, "0x888888"),
		box(20, 76, 240, 624, "white"),
		txt(true, "Home", 40, 96, 20, "0x222222"), txt(false, "Friends", 40, 136, 20, "0x222222"),
		txt(false, "Watch", 40, 176, 20, "0x222222"), txt(false, "Groups", 40, 216, 20, "0x222222"),
		box(40, 270, 180, 10, "0xdddddd"), box(40, 292, 150, 10, "0xdddddd"), box(40, 314, 170, 10, "0xdddddd"),
		box(1020, 76, 240, 624, "white"), txt(true, "Trending", 1040, 96, 20, "0x222222"),
		txt(false, "#breaking", 1040, 136, 18, "0x1877f2"), txt(false, "#viral", 1040, 166, 18, "0x1877f2"),
		box(1040, 210, 200, 10, "0xdddddd"), box(1040, 232, 170, 10, "0xdddddd"),
		box(280, 66, 720, 40, "white"), txt(true, "Daily Viral News", 320, 76, 18, "0x222222"),
		box(290, 72, 26, 26, "0x888888"),
		box(280, 584, 720, 116, "white"), txt(false, "1.2K likes   348 comments   97 shares", 300, 596, 18, "0x555555"),
		txt(false, "Is this real?? Cannot believe it", 300, 636, 18, "0x222222"),
	}
	j.simple(strings.Join(parts, ","))
	j.Ext = map[bool]string{true: "mp4", false: "png"}[p.Kind == media.KindVideo]
}

// phoneChrome puts the picture inside a phone screenshot of a social app.
func phoneChrome(j *Job, p Probe) {
	box := func(x, y, w, h int, c string) string {
		return fmt.Sprintf("drawbox=x=%d:y=%d:w=%d:h=%d:color=%s:t=fill", x, y, w, h, c)
	}
	txt := func(bold bool, s string, x, y, size int, c string) string {
		return j.text(bold, s, fmt.Sprintf("x=%d:y=%d:fontsize=%d:fontcolor=%s", x, y, size, c))
	}
	parts := []string{
		"scale=w=720:h=860:force_original_aspect_ratio=decrease",
		"pad=720:1280:x='(720-iw)/2':y='170+(860-ih)/2':color=black",
		txt(true, "12.45", 30, 14, 24, "white"), txt(false, "LTE  87", 590, 14, 22, "white"),
		box(24, 80, 60, 60, "0x666666"), txt(true, "viral.clips.world", 100, 86, 24, "white"),
		txt(false, "Sponsored", 100, 116, 18, "0xaaaaaa"), box(600, 90, 90, 40, "0x1877f2"),
		txt(true, "Follow", 608, 98, 20, "white"),
		box(24, 1050, 44, 44, "white@0.9"), box(100, 1050, 44, 44, "white@0.9"), box(176, 1050, 44, 44, "white@0.9"),
		txt(true, "48,213 likes", 24, 1110, 22, "white"),
		txt(false, "this is insane omg  #news #viral", 24, 1150, 22, "white"),
		txt(false, "View all 1,024 comments", 24, 1190, 20, "0xaaaaaa"),
	}
	j.simple(strings.Join(parts, ","))
	j.Ext = map[bool]string{true: "mp4", false: "png"}[p.Kind == media.KindVideo]
}

func gif(j *Job, p Probe) {
	if p.Duration > 8 {
		j.Pre = append(j.Pre, "-ss", fmt.Sprint(round2(p.Duration*0.2)), "-t", "8")
	}
	j.stage("{in}fps=10,scale=360:-2:flags=lanczos,split[{p}a][{p}b];" +
		"[{p}a]palettegen=max_colors=128[{p}p];[{p}b][{p}p]paletteuse=dither=bayer{out}")
	j.Ext = "gif"
}

func fps15(j *Job, p Probe) { j.simple("fps=15") }

func stillFrame(j *Job, p Probe) {
	j.Pre = append(j.Pre, "-ss", fmt.Sprint(round2(p.Duration*0.4)))
	j.Ext = "jpg"
}

func jpegQuality(q int) Op {
	return func(j *Job, p Probe) { j.JPEGQ = q; j.Ext = "jpg" }
}

func webp(j *Job, p Probe) { j.Ext = "webp"; j.WebPQ = 50 }

func photoVideo(j *Job, p Probe) {
	j.Pre = append(j.Pre, "-loop", "1", "-framerate", "25", "-t", "6")
	j.simple("scale=w='min(iw,1280)':h=-2")
	j.Ext = "mp4"
}

// Partial views: what local features are for. Corner and edge crops keep
// as little as half of the picture; overlays cover 10-30% of it; the
// picture may be one tile of a collage, one half of a duet, or a photo of
// a screen. The filler tiles and the face-cam are generated by ffmpeg, the
// same in every variant, so that negatives pushed through these templates
// share them.

func cropAt(w, h, x, y string) Op {
	return func(j *Job, p Probe) {
		j.simple(fmt.Sprintf("crop=w='trunc(%s/2)*2':h='trunc(%s/2)*2':x='%s':y='%s'", w, h, x, y))
	}
}

// filler is a generated, detailed picture of w×h (a fractal or a pattern).
func filler(kind, w, h int) string {
	switch kind % 3 {
	case 0:
		return fmt.Sprintf("mandelbrot=s=%dx%d:r=25:start_scale=2", w, h)
	case 1:
		return fmt.Sprintf("cellauto=s=%dx%d:r=25:rule=110,format=yuv420p", w, h)
	default:
		return fmt.Sprintf("testsrc2=s=%dx%d:r=25", w, h)
	}
}

func even(v int) int { return max(2, v/2*2) }

// A stack of inputs with different time bases comes out with a time base
// ffmpeg reads as a frame rate of ~50,000 fps, and an MP4 encoder would
// then duplicate every frame thousands of times: a video's stack ends in
// fps=25. (A still must not: fps drops its only frame.)
func stackRate(p Probe) string {
	if p.Kind == media.KindVideo {
		return ",fps=25"
	}
	return ""
}

// collage puts the picture in the bottom right tile of a 2×2 grid.
func collage(j *Job, p Probe) {
	w, h := even(p.W/2), even(p.H/2)
	j.stage(fmt.Sprintf("{in}scale=%d:%d,setsar=1[{p}d];%s,setsar=1[{p}a];%s,setsar=1[{p}b];%s,setsar=1[{p}c];"+
		"[{p}a][{p}b][{p}c][{p}d]xstack=inputs=4:layout=0_0|w0_0|0_h0|w0_h0:shortest=1%s{out}",
		w, h, filler(0, w, h), filler(1, w, h), filler(2, w, h), stackRate(p)))
}

// duet puts the picture, fitted into the right half, beside a generated one.
func duet(j *Job, p Probe) {
	w, h := even(p.W/2), even(p.H)
	j.stage(fmt.Sprintf("{in}scale=%d:%d:force_original_aspect_ratio=decrease,pad=%d:%d:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1[{p}b];%s,setsar=1[{p}a];"+
		"[{p}a][{p}b]hstack=inputs=2:shortest=1%s{out}", w, h, w, h, filler(0, w, h), stackRate(p)))
}

// faceCam is a reaction camera (a generated picture with a white frame)
// over the top right corner, about a tenth of the picture.
func faceCam(j *Job, p Probe) {
	w, h := even(p.W*3/10), even(p.H*3/10)
	j.stage(fmt.Sprintf("%s,drawbox=x=0:y=0:w=iw:h=ih:color=white:t=6,setsar=1[{p}c];{in}[{p}c]overlay=x=W-w-W*0.03:y=H*0.04:shortest=1{out}",
		filler(2, w, h)))
}

// presenter is a green-screen presenter cut out over the bottom left
// corner: head and shoulders, about 15% of the picture.
func presenter(j *Job, p Probe) {
	w, h := float64(p.W), float64(p.H)
	box := func(x, y, bw, bh float64, c string) string {
		return fmt.Sprintf("drawbox=x=%d:y=%d:w=%d:h=%d:color=%s:t=fill", int(x*w), int(y*h), int(bw*w), int(bh*h), c)
	}
	j.simple(strings.Join([]string{
		box(0.04, 0.62, 0.30, 0.38, "0x2a3550"), // shoulders, dark suit
		box(0.14, 0.60, 0.10, 0.10, "0xe8e8e8"), // collar
		box(0.13, 0.34, 0.12, 0.26, "0xc89878"), // face
		box(0.12, 0.31, 0.14, 0.07, "0x3a2a1a"), // hair
	}, ","))
}

// stickers are emoji-like badges and a large logo bar over the picture,
// about 25% of it.
func stickers(j *Job, p Probe) {
	j.simple("drawbox=x=iw*0.06:y=ih*0.10:w=iw*0.16:h=iw*0.16:color=yellow:t=fill," +
		j.text(true, "LOL", "fontsize=w*0.05:x=w*0.09:y=h*0.10+w*0.06:fontcolor=black") + "," +
		"drawbox=x=iw*0.70:y=ih*0.55:w=iw*0.14:h=iw*0.14:color=0xff3355:t=fill," +
		j.text(true, "OMG", "fontsize=w*0.045:x=w*0.72:y=h*0.55+w*0.05:fontcolor=white") + "," +
		"drawbox=x=0:y=ih*0.80:w=iw*0.45:h=ih*0.14:color=0x0a2a6a@0.9:t=fill," +
		j.text(true, "NEWS 24", "fontsize=h*0.08:x=w*0.03:y=h*0.83:fontcolor=white"))
}

// captionBox is a caption drawn over the picture itself.
func captionBox(j *Job, p Probe) {
	j.simple("drawbox=x=iw*0.08:y=ih*0.62:w=iw*0.84:h=ih*0.22:color=white@0.92:t=fill," +
		j.text(true, "They do not want you to see this", "fontsize='min(h/14,w/22)':x=(w-text_w)/2:y=h*0.66:fontcolor=black") + "," +
		j.text(false, "share before it is deleted", "fontsize='min(h/20,w/30)':x=(w-text_w)/2:y=h*0.76:fontcolor=0x333333"))
}

// screenPhoto is a photo of a screen showing the picture: a dark frame
// around it, perspective, blur, grain and vignetting.
func screenPhoto(j *Job, p Probe) {
	j.simple("pad=w='trunc(iw*1.1/2)*2':h='trunc(ih*1.12/2)*2':x=iw*0.05:y=ih*0.06:color=0x101010," +
		"perspective=x0=W*0.05:y0=H*0.09:x1=W*0.97:y1=H*0.02:x2=W*0.01:y2=H*0.93:x3=W*0.92:y3=H*0.99:sense=destination," +
		"gblur=sigma=1.2," + map[bool]string{true: "noise=alls=14:allf=t", false: "noise=alls=14"}[p.Kind == media.KindVideo] +
		",vignette=angle=PI/4,eq=brightness=0.04:contrast=0.85")
}

// compilation shows 6 s of the clip between 7 s of other footage on
// each side.
func compilation(j *Job, p Probe) {
	s, _ := trimWindow(p.Duration)
	w, h := even(p.W), even(p.H)
	j.stage(fmt.Sprintf("{in}trim=start=%g:duration=6,setpts=PTS-STARTPTS,fps=25,scale=%d:%d,setsar=1[{p}c];"+
		"%s,trim=duration=7,setsar=1[{p}a];%s,trim=duration=7,setsar=1[{p}b];"+
		"[{p}a][{p}c][{p}b]concat=n=3:v=1:a=0{out}", s, w, h, filler(0, w, h), filler(1, w, h)))
}

// panWindow is a 1:1 window panning across the frame from left to right.
func panWindow(j *Job, p Probe) {
	d := max(1, p.Duration)
	j.simple(fmt.Sprintf("crop=w='trunc(min(iw,ih)/2)*2':h='trunc(min(iw,ih)/2)*2':x='(iw-ow)*min(1,t/%g)':y=0", d))
}

func ops(o ...Op) []Op { return o }

// Recipes is the table of transformations, in the order of the report.
var Recipes = []Recipe{
	{Name: "original", Desc: "the registered file itself (control)", Video: true, Image: true, Quick: true},
	{Name: "reencode-lowq", Desc: "H.264 at CRF 40", Video: true, Quick: true, Ops: ops(lowQuality)},
	{Name: "jpeg-q20", Desc: "JPEG at quality 20", Image: true, Quick: true, Ops: ops(jpegQuality(20))},
	{Name: "webp", Desc: "WebP at quality 50", Image: true, Ops: ops(webp)},
	{Name: "downscale", Desc: "a quarter of the width (at least 160 px)", Video: true, Image: true, Ops: ops(downscale)},
	{Name: "crop-9x16", Desc: "centre crop to 9:16", Video: true, Image: true, Quick: true, Ops: ops(crop916)},
	{Name: "crop-zoom", Desc: "88% of each side, off centre", Video: true, Image: true, Ops: ops(cropZoom)},
	{Name: "tiktok-blur", Desc: "9:16 frame on a blurred, enlarged copy of itself", Video: true, Image: true, Quick: true, Negative: true, Ops: ops(blurredBackground)},
	{Name: "letterbox", Desc: "black bars above and below (frame 33% taller)", Video: true, Image: true, Negative: true, Ops: ops(letterbox)},
	{Name: "pillarbox", Desc: "black bars left and right (frame 33% wider)", Video: true, Image: true, Ops: ops(pillarbox)},
	{Name: "pad-color", Desc: "square coloured canvas with a margin", Video: true, Image: true, Negative: true, Ops: ops(padColor)},
	{Name: "caption", Desc: "white caption bars with text above and below", Video: true, Image: true, Quick: true, Negative: true, Ops: ops(caption)},
	{Name: "watermark", Desc: "channel handle and a LIVE badge over the picture", Video: true, Image: true, Ops: ops(watermark)},
	{Name: "mirror", Desc: "horizontal flip", Video: true, Image: true, Quick: true, Ops: ops(mirror)},
	{Name: "speed-up", Desc: "25% faster", Video: true, Quick: true, Ops: ops(speed(1.25))},
	{Name: "slow-down", Desc: "25% slower", Video: true, Ops: ops(speed(0.75))},
	{Name: "trim", Desc: "3-6 s excerpt from a third of the way in", Video: true, Quick: true, Ops: ops(trim)},
	{Name: "color", Desc: "contrast, saturation, brightness, gamma and hue shifted", Video: true, Image: true, Ops: ops(colour)},
	{Name: "grayscale", Desc: "colour removed", Video: true, Image: true, Ops: ops(grayscale)},
	{Name: "noise", Desc: "strong grain (ffmpeg noise 25)", Video: true, Image: true, Ops: ops(noise)},
	{Name: "rotate", Desc: "4 degree rotation, black corners", Video: true, Image: true, Ops: ops(rotate)},
	{Name: "pip-app", Desc: "inside a desktop social-media page (header, side panels, text)", Video: true, Quick: true, Negative: true, Ops: ops(appChrome)},
	{Name: "screenshot-app", Desc: "screenshot of a desktop social-media page showing it (PNG)", Image: true, Negative: true, Ops: ops(appChrome)},
	{Name: "screenshot-phone", Desc: "phone screenshot of a social app post showing it (PNG)", Image: true, Quick: true, Negative: true, Ops: ops(phoneChrome)},
	{Name: "gif", Desc: "animated GIF, 10 fps, 360 px wide, at most 8 s", Video: true, Ops: ops(gif)},
	{Name: "fps-15", Desc: "frame rate changed to 15", Video: true, Ops: ops(fps15)},
	{Name: "still-frame", Desc: "one frame as a JPEG", Video: true, Ops: ops(stillFrame)},
	{Name: "photo-video", Desc: "the photo shown for 6 s in an H.264 video", Image: true, Ops: ops(photoVideo)},
	{Name: "tiktok-blur+caption", Desc: "blurred-background 9:16 with caption bars", Video: true, Image: true, Quick: true, Ops: ops(blurredBackground, caption)},
	{Name: "crop-9x16+mirror+lowq", Desc: "9:16 crop, mirrored, CRF 40", Video: true, Ops: ops(crop916, mirror, lowQuality)},
	{Name: "trim+letterbox+watermark", Desc: "short excerpt, letterboxed, watermarked", Video: true, Ops: ops(trim, letterbox, watermark)},
	{Name: "speed-up+color+noise", Desc: "25% faster, colour shifted, grain", Video: true, Ops: ops(speed(1.25), colour, noise)},
	{Name: "pip-app+mirror", Desc: "mirrored, inside app chrome", Video: true, Ops: ops(mirror, appChrome)},
	{Name: "caption+mirror+jpeg-q30", Desc: "caption bars, mirrored, JPEG quality 30", Image: true, Ops: ops(caption, mirror, jpegQuality(30))},
	{Name: "screenshot-phone+jpeg-q30", Desc: "phone screenshot re-shared as JPEG quality 30", Image: true, Ops: ops(phoneChrome, jpegQuality(30))},
	{Name: "crop-9x16+color+webp", Desc: "9:16 crop, colour shifted, WebP", Image: true, Ops: ops(crop916, colour, webp)},
	{Name: "rotate+crop-zoom+noise", Desc: "rotated 4 degrees, zoomed, grain", Video: true, Image: true, Ops: ops(rotate, cropZoom, noise)},
	{Name: "letterbox+caption", Desc: "letterboxed, then caption bars", Image: true, Ops: ops(letterbox, caption)},
	{Name: "crop-corner-tl", Desc: "top left corner, 71% of each side (50% of the area)", Video: true, Image: true, Ops: ops(cropAt("iw*0.71", "ih*0.71", "0", "0"))},
	{Name: "crop-corner-br", Desc: "bottom right corner, 71% of each side (50% of the area)", Video: true, Image: true, Ops: ops(cropAt("iw*0.71", "ih*0.71", "iw-ow", "ih-oh"))},
	{Name: "crop-edge-left", Desc: "75% of the width kept from the left edge", Video: true, Image: true, Ops: ops(cropAt("iw*0.75", "ih", "0", "0"))},
	{Name: "crop-edge-bottom", Desc: "the bottom 60% of the height", Video: true, Image: true, Ops: ops(cropAt("iw", "ih*0.6", "0", "ih-oh"))},
	{Name: "cut-square-left", Desc: "square cut from the left side", Video: true, Image: true, Ops: ops(cropAt("min(iw,ih)", "min(iw,ih)", "0", "0"))},
	{Name: "cut-4x5-right", Desc: "4:5 cut from the right side", Video: true, Image: true, Ops: ops(cropAt("min(iw,ih*4/5)", "min(ih,iw*5/4)", "iw-ow", "0"))},
	{Name: "stickers", Desc: "two emoji-like stickers and a large logo bar over the picture (about 25%)", Video: true, Image: true, Negative: true, Ops: ops(stickers)},
	{Name: "caption-box", Desc: "a caption box with text drawn over the lower third of the picture", Video: true, Image: true, Negative: true, Ops: ops(captionBox)},
	{Name: "presenter", Desc: "a green-screen presenter cut out over the bottom left corner", Video: true, Image: true, Negative: true, Ops: ops(presenter)},
	{Name: "face-cam", Desc: "a framed reaction camera over the top right corner", Video: true, Image: true, Negative: true, Ops: ops(faceCam)},
	{Name: "collage-2x2", Desc: "one tile (bottom right) of a 2x2 collage", Video: true, Image: true, Negative: true, Ops: ops(collage)},
	{Name: "duet", Desc: "the right half of a side-by-side duet", Video: true, Image: true, Negative: true, Ops: ops(duet)},
	{Name: "screen-photo", Desc: "a photo of a screen: perspective, blur, grain, vignette", Video: true, Image: true, Negative: true, Ops: ops(screenPhoto)},
	{Name: "compilation", Desc: "6 s of the clip inside 20 s of other footage", Video: true, Ops: ops(compilation)},
	{Name: "slow-mo", Desc: "half speed", Video: true, Ops: ops(speed(0.5))},
	{Name: "pan-window", Desc: "a 1:1 window panning across the frame", Video: true, Ops: ops(panWindow)},
	{Name: "feed-phone", Desc: "screenshot of a phone photo feed rendered by Chromium (app bar, stories, avatar, rounded picture cropped to 4:5-1.91:1, buttons; PNG, 824x1830)", Image: true, Negative: true, Browser: &BrowserJob{Layout: "phone"}},
	{Name: "feed-phone-dark", Desc: "screenshot of a dark phone feed post rendered by Chromium (text above the whole picture, rounded; PNG, 780x1688)", Image: true, Negative: true, Browser: &BrowserJob{Layout: "phone-dark"}},
	{Name: "feed-desktop", Desc: "screenshot of a desktop feed rendered by Chromium (header, side columns, post card; PNG, 1366x768)", Image: true, Negative: true, Browser: &BrowserJob{Layout: "desktop"}},
	{Name: "screen-recording", Desc: "screen recording (Xvfb, ffmpeg x11grab, 1280x720) of a desktop page playing the clip in Chromium", Video: true, Negative: true, Browser: &BrowserJob{Layout: "video", Record: true}},
	{Name: "crop-corner-tl+mirror+lowq", Desc: "top left corner (50% of the area), mirrored, CRF 40", Video: true, Image: true, Ops: ops(cropAt("iw*0.71", "ih*0.71", "0", "0"), mirror, lowQuality)},
}

// SelectRecipes returns the recipes to run: the quick ones for a smoke run,
// or those named in only (comma-separated names); an unknown name is an
// error.
func SelectRecipes(quick bool, only string) ([]Recipe, error) {
	if only != "" {
		var out []Recipe
		for _, name := range strings.Split(only, ",") {
			name = strings.TrimSpace(name)
			found := false
			for _, r := range Recipes {
				if r.Name == name {
					out = append(out, r)
					found = true
				}
			}
			if !found {
				return nil, fmt.Errorf("-only: no transformation named %q (known: %s)", name, strings.Join(RecipeNames(), ", "))
			}
		}
		return out, nil
	}
	var out []Recipe
	for _, r := range Recipes {
		if !quick || r.Quick {
			out = append(out, r)
		}
	}
	return out, nil
}

// RecipeNames lists every recipe's name.
func RecipeNames() []string {
	names := make([]string, len(Recipes))
	for i, r := range Recipes {
		names[i] = r.Name
	}
	return names
}

func round2(v float64) float64 { return float64(int(v*100+0.5)) / 100 }
