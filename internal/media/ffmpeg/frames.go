package ffmpeg

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
)

// keyframeSlack lets a keyframe that is a hair early still count as 1/FPS
// after the previous one.
const keyframeSlack = 0.001

// slotSlack keeps a frame at k/FPS, computed as a hair less, in slot k.
const slotSlack = 1e-6

// nonRefFrames: when a sampling slot spans at least this many source
// frames, frames that no other frame refers to are not decoded. x264's
// default of at most 3 consecutive B-frames leaves a reference frame in
// every 4.
const nonRefFrames = 5

// Frames probes the file at path, then decodes the frames opt selects and
// calls fn with each, in presentation order. It returns the probed Info.
//
// How frames are chosen:
//
//   - FPS > 0 (below the stream's rate): the first frame in each slot
//     [k/FPS, (k+1)/FPS), with its own timestamp. Only sampled frames are
//     scaled and copied. Frames are decoded as the decoder needs them; at
//     FPS of a fifth of the stream's rate or less, frames nothing refers to
//     (most B-frames) are not decoded at all (-skip_frame noref), so a slot
//     then starts at its first reference frame.
//   - FPS == 0, or FPS at or above the stream's rate: every decoded frame,
//     once, with its own timestamp (variable frame rates stay variable).
//   - KeyframesOnly: only keyframes are decoded (-skip_frame nokey); FPS,
//     if set, thins them so kept keyframes are at least 1/FPS apart.
//     Streams without keyframe flags (rare; e.g. periodic intra refresh)
//     yield no frames and the error wraps ErrNoFrames.
//
// The frame size is the display size (Info.Width×Info.Height) scaled down
// so the longer side is at most opt.MaxSide, with even sides. fn must not
// keep Frame.Img after it returns. If fn returns an error Frames stops
// ffmpeg and returns that error, except ErrStop, which ends without error.
// Frames needs a Unix system (timestamps arrive on file descriptor 3).
func (f *FFmpeg) Frames(ctx context.Context, path string, opt SampleOptions, fn func(Frame) error) (Info, error) {
	if fn == nil {
		return Info{}, errors.New("ffmpeg: Frames needs a callback")
	}
	if opt.FPS < 0 || math.IsNaN(opt.FPS) || math.IsInf(opt.FPS, 0) || opt.MaxSide < 0 || opt.MaxFrames < 0 || opt.FineSide < 0 ||
		opt.ShortFPS < 0 || math.IsNaN(opt.ShortFPS) || math.IsInf(opt.ShortFPS, 0) || math.IsNaN(opt.ShortUnder) {
		return Info{}, fmt.Errorf("ffmpeg: bad sample options %+v", opt)
	}
	ctx, cancel := f.withTimeout(ctx)
	defer cancel()
	p, err := f.probe(ctx, path)
	if err != nil {
		return Info{}, err
	}
	opt.FPS = opt.rate(p.Duration)
	in, err := inputURL(path)
	if err != nil {
		return p.Info, &Error{Tool: "ffmpeg", Path: path, Err: err}
	}
	fit := func(side int) size {
		if opt.PortraitByWidth && side > 0 && p.Height > p.Width {
			return sizeOf(fitPortrait(p.Width, p.Height, side))
		}
		return sizeOf(fitSize(p.Width, p.Height, side))
	}
	sz := frameSizes{img: fit(opt.MaxSide)}
	if opt.FineSide > 0 && opt.MaxSide > 0 && opt.FineSide > opt.MaxSide {
		if fine := fit(opt.FineSide); fine.w > sz.img.w || fine.h > sz.img.h {
			sz.fine = fine
		}
	}
	for _, s := range []size{sz.img, sz.fine} {
		if s.w*s.h > f.maxPixels {
			return p.Info, &Error{Tool: "ffmpeg", Path: path,
				Err: fmt.Errorf("video frame %w: %dx%d frames are more than %d pixels", ErrTooLarge, s.w, s.h, f.maxPixels)}
		}
	}
	// Sampling well below the stream's rate need not decode the frames
	// nothing refers to (B-frames, mostly): the first frame in each slot is
	// then the first reference frame, exact, a frame or two later.
	noRef := !opt.KeyframesOnly && opt.FPS > 0 && p.FPS > 0 && opt.FPS*nonRefFrames <= p.FPS
	withDuration := func(fr Frame) error {
		fr.Duration = p.Duration
		return fn(fr)
	}
	run := func(skipNonRef bool) error {
		args := func(legacy bool) []string { return f.frameArgs(in, p, opt, sz, skipNonRef, legacy) }
		return f.streamArgs(ctx, path, args, sz, opt.MaxFrames, withDuration)
	}
	err = run(noRef)
	if noRef && errors.Is(err, ErrNoFrames) {
		// A stream that marks no frame as a reference: decode them all.
		err = run(false)
	}
	return p.Info, err
}

// streamArgs runs stream with the command line args gives for this ffmpeg.
// An ffmpeg not yet known to predate 5.1 gets the current command line
// first; one that rejects -fps_mode does so while parsing its options,
// before it opens the input or delivers a frame, and is then run again
// with -vsync and remembered as legacy. This saves every call the cost of
// starting ffmpeg once more just to ask its version (about 65 ms of CPU
// for Debian's build, which loads over a hundred shared libraries).
func (f *FFmpeg) streamArgs(ctx context.Context, path string, args func(legacy bool) []string, sz frameSizes, maxFrames int, fn func(Frame) error) error {
	legacy := f.knownLegacy()
	err := f.stream(ctx, path, args(legacy), sz, maxFrames, fn)
	if !legacy && rejectedFPSMode(err) {
		legacyByPath.Store(f.ffmpeg, true)
		err = f.stream(ctx, path, args(true), sz, maxFrames, fn)
	}
	return err
}

// size is a frame's width and height in pixels.
type size struct{ w, h int }

func sizeOf(w, h int) size { return size{w, h} }

// frameSizes are the sizes a frame is delivered at: img always, fine (the
// larger copy) when its width is above 0.
type frameSizes struct{ img, fine size }

// out is the size of what ffmpeg writes for each frame: img alone, or img
// (padded to the fine copy's width) above the fine copy.
func (sz frameSizes) out() size {
	if sz.fine.w == 0 {
		return sz.img
	}
	return size{max(sz.img.w, sz.fine.w), sz.img.h + sz.fine.h}
}

// frameBuffers are the buffers a frame is read into and handed out from.
type frameBuffers struct {
	sz        frameSizes
	raw       []byte      // what ffmpeg writes for one frame
	img, fine *image.RGBA // fine is nil without a fine copy
}

func newFrameBuffers(sz frameSizes) *frameBuffers {
	o := sz.out()
	b := &frameBuffers{sz: sz, img: image.NewRGBA(image.Rect(0, 0, sz.img.w, sz.img.h))}
	if sz.fine.w == 0 {
		b.raw = b.img.Pix
		return b
	}
	b.raw = make([]byte, 4*o.w*o.h)
	// The fine copy is the bottom of the stacked frame, used in place.
	b.fine = &image.RGBA{Pix: b.raw[4*o.w*sz.img.h:], Stride: 4 * o.w, Rect: image.Rect(0, 0, sz.fine.w, sz.fine.h)}
	return b
}

// split makes img from the top of a stacked frame (its rows are the
// start of each padded row); without a fine copy img is raw itself.
func (b *frameBuffers) split() {
	if b.fine == nil {
		return
	}
	stride, row := 4*b.sz.out().w, 4*b.sz.img.w
	for y := range b.sz.img.h {
		copy(b.img.Pix[y*row:(y+1)*row], b.raw[y*stride:])
	}
}

// stream runs ffmpeg with args and hands each frame to fn.
func (f *FFmpeg) stream(ctx context.Context, path string, args []string, sz frameSizes, maxFrames int, fn func(Frame) error) error {
	fail := func(err error) error { return &Error{Tool: "ffmpeg", Path: path, Err: err} }
	outR, outW, err := os.Pipe()
	if err != nil {
		return fail(err)
	}
	defer outR.Close()
	tsR, tsW, err := os.Pipe()
	if err != nil {
		outW.Close()
		return fail(err)
	}
	defer tsR.Close()

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	stderr := &tailBuffer{}
	cmd := command(runCtx, f.ffmpeg, args, stderr)
	cmd.Stdout = outW
	cmd.ExtraFiles = []*os.File{tsW} // fd 3 in ffmpeg: "pipe:3"
	err = cmd.Start()
	// The child has its copies; closing ours lets reads end at its exit.
	outW.Close()
	tsW.Close()
	if err != nil {
		return fail(err)
	}
	if testHookStarted != nil {
		testHookStarted(cmd)
	}

	// ffmpeg writes a frame's time (in the filter graph) before the frame's
	// pixels (at the output), so once a frame is read its time has been
	// written and next() cannot wait on ffmpeg.
	q := newTimestamps()
	go q.read(tsR)

	buf := newFrameBuffers(sz)
	var (
		n       int
		stopped bool  // ended by fn or maxFrames: ffmpeg is killed
		fnErr   error // fn's error, returned as is
		readErr error // a broken stream
	)
	for {
		if _, err := io.ReadFull(outR, buf.raw); err != nil {
			if err != io.EOF {
				readErr = fmt.Errorf("reading frame %d: %w", n, err)
			}
			break
		}
		t, err := q.next()
		if err != nil {
			readErr = fmt.Errorf("frame %d: %w", n, err)
			break
		}
		n++
		buf.split()
		if err := fn(Frame{T: t, Img: buf.img, Fine: buf.fine}); err != nil {
			stopped = true
			if !errors.Is(err, ErrStop) {
				fnErr = err
			}
			break
		}
		if maxFrames > 0 && n >= maxFrames {
			stopped = true
			break
		}
	}
	// Done with ffmpeg: if it may still be running, kill its process group.
	// At the end of the stream it has exited or is about to.
	killed := stopped || (readErr != nil && !errors.Is(readErr, io.ErrUnexpectedEOF))
	if killed {
		stop()
	}
	outR.Close()
	waitErr := cmd.Wait()
	<-q.done

	switch {
	case stopped:
		return fnErr
	case ctx.Err() != nil:
		return f.runError(ctx, "ffmpeg", path, waitErr, stderr)
	case waitErr != nil && !killed:
		return exitError("ffmpeg", path, waitErr, stderr)
	case readErr != nil:
		return &Error{Tool: "ffmpeg", Path: path, Err: readErr, Stderr: stderr.Fold()}
	case n == 0:
		return &Error{Tool: "ffmpeg", Path: path, Err: ErrNoFrames, Stderr: stderr.Fold()}
	}
	return nil
}

// tsKey marks every frame so that the metadata filter prints each one.
const tsKey = "provcheck"

// frameArgs builds the ffmpeg command line: the chosen video stream, the
// sampling filter, a scale to sz.img RGBA, timestamps in µs printed to fd
// 3 by the metadata filter, and the raw pixels on stdout. With a fine copy
// the sampled frame is split: one branch is scaled exactly as without it
// (then padded on the right to the fine width), the other to sz.fine, and
// the two are stacked into one output frame.
func (f *FFmpeg) frameArgs(in string, p probed, opt SampleOptions, sz frameSizes, skipNonRef, legacy bool) []string {
	args := []string{"-nostdin", "-hide_banner", "-nostats", "-loglevel", "error",
		"-max_pixels", strconv.Itoa(f.maxPixels)}
	if f.threads > 0 {
		args = append(args, "-threads", strconv.Itoa(f.threads))
	}
	switch {
	case opt.KeyframesOnly:
		args = append(args, "-skip_frame", "nokey")
	case skipNonRef:
		args = append(args, "-skip_frame", "noref")
	}
	args = append(args,
		"-protocol_whitelist", "file,pipe",
		"-format_whitelist", f.formats,
		"-i", in)
	if f.threads > 0 {
		args = append(args, "-filter_complex_threads", strconv.Itoa(f.threads))
	}

	var chain []string
	switch {
	case opt.KeyframesOnly && opt.FPS > 0:
		// Keep a keyframe only if it is 1/FPS after the last kept one.
		gap := formatFloat(max(1/opt.FPS-keyframeSlack, 0))
		chain = append(chain, "select='key*if(isnan(prev_selected_t),1,gte(t-prev_selected_t,"+gap+"))'")
	case opt.KeyframesOnly:
		// Decoders that ignore -skip_frame still only pass keyframes.
		chain = append(chain, "select='key'")
	case opt.FPS > 0 && (p.FPS <= 0 || opt.FPS < p.FPS*0.999):
		// The first frame of each slot [k/FPS, (k+1)/FPS).
		r := formatFloat(opt.FPS)
		slot := func(v string) string { return "floor(" + v + "*" + r + "+" + formatFloat(slotSlack) + ")" }
		chain = append(chain, "select='if(isnan(prev_selected_t),1,gte("+slot("t")+","+slot("prev_selected_t")+"+1))'")
	}
	scale := func(s size) string { return fmt.Sprintf("scale=%d:%d:flags=area,setsar=1,format=rgba", s.w, s.h) }
	stamp := []string{
		"settb=1/1000000",
		"metadata=mode=add:key=" + tsKey + ":value=1",
		`metadata=mode=print:file='pipe\:3':direct=1`}
	graph := fmt.Sprintf("[0:%d]", p.stream)
	if sz.fine.w == 0 {
		graph += strings.Join(append(append(chain, scale(sz.img)), stamp...), ",")
	} else {
		o := sz.out()
		graph += strings.Join(append(append(chain, stamp...), "split=2[img][fine]"), ",") +
			";[img]" + scale(sz.img) + fmt.Sprintf(",pad=%d:%d:0:0[top]", o.w, sz.img.h) +
			";[fine]" + scale(sz.fine) + fmt.Sprintf(",pad=%d:%d:0:0[bottom]", o.w, sz.fine.h) +
			";[top][bottom]vstack=inputs=2"
	}
	args = append(args, "-filter_complex", graph)

	// The output must pass frames as they are: no frame-rate conversion,
	// no drops, no duplicates.
	if legacy {
		args = append(args, "-vsync", "passthrough")
	} else {
		args = append(args, "-fps_mode", "passthrough")
	}
	if opt.MaxFrames > 0 {
		args = append(args, "-frames:v", strconv.Itoa(opt.MaxFrames))
	}
	return append(args, "-c:v", "rawvideo", "-f", "rawvideo", "pipe:1")
}

// fitSize scales w×h so the longer side is at most maxSide (0: no limit),
// keeping the aspect ratio, and rounds both sides to even numbers ≥ 2.
func fitSize(w, h, maxSide int) (int, int) {
	fw, fh := float64(w), float64(h)
	if maxSide > 0 && max(w, h) > maxSide {
		s := float64(maxSide) / float64(max(w, h))
		fw, fh = fw*s, fh*s
	}
	even := func(v float64) int { return max(2, 2*int(math.Round(v/2))) }
	ew, eh := even(fw), even(fh)
	if maxSide >= 2 {
		// Rounding up to even must not break the limit.
		ew, eh = min(ew, maxSide&^1), min(eh, maxSide&^1)
	}
	return ew, eh
}

// fitPortrait scales a portrait w×h so the width is at most maxSide and
// the height at most twice that, keeping the aspect ratio, even sides.
func fitPortrait(w, h, maxSide int) (int, int) {
	s := min(1, float64(maxSide)/float64(w), float64(2*maxSide)/float64(h))
	even := func(v float64) int { return max(2, 2*int(math.Round(v/2))) }
	return min(even(float64(w)*s), maxSide&^1), min(even(float64(h)*s), (2*maxSide)&^1)
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// legacyByPath remembers the ffmpeg programs found to predate 5.1.
var legacyByPath sync.Map

// knownLegacy reports whether ffmpeg is known to predate 5.1, which lacks
// -fps_mode (tests can force it).
func (f *FFmpeg) knownLegacy() bool {
	if f.forceLegacy {
		return true
	}
	_, ok := legacyByPath.Load(f.ffmpeg)
	return ok
}

// rejectedFPSMode reports whether ffmpeg failed because it does not know
// -fps_mode ("Unrecognized option 'fps_mode'.", ffmpeg before 5.1).
func rejectedFPSMode(err error) bool {
	var e *Error
	return errors.As(err, &e) && strings.Contains(e.Stderr, "Unrecognized option 'fps_mode'")
}

// timestamps collects the frame times the metadata filter prints on fd 3,
// without ever blocking ffmpeg.
type timestamps struct {
	done chan struct{}

	mu   sync.Mutex
	cond *sync.Cond
	ts   []float64
	end  bool
	err  error
}

func newTimestamps() *timestamps {
	q := &timestamps{done: make(chan struct{})}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// read parses the metadata filter's listing; settb made the unit 1 µs:
//
//	frame:0    pts:0       pts_time:0
//	provcheck=1
//	frame:1    pts:500000  pts_time:0.5
//	provcheck=1
//
// A frame without a timestamp (pts:NOPTS) gets the previous one's.
func (q *timestamps) read(r io.Reader) {
	defer close(q.done)
	sc := bufio.NewScanner(r)
	var err error
	last := 0.0
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "frame:") {
			continue
		}
		_, rest, ok := strings.Cut(line, " pts:")
		if !ok {
			err = fmt.Errorf("bad timestamp line %q", line)
			break
		}
		ptsStr, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
		t := last
		if ptsStr != "NOPTS" {
			pts, perr := strconv.ParseInt(ptsStr, 10, 64)
			if perr != nil {
				err = fmt.Errorf("bad timestamp line %q", line)
				break
			}
			t = float64(pts) / 1e6
		}
		last = t
		q.mu.Lock()
		q.ts = append(q.ts, t)
		q.mu.Unlock()
		q.cond.Signal()
	}
	if err == nil {
		err = sc.Err()
	}
	// Drain so that ffmpeg never blocks on a full pipe after an error.
	_, _ = io.Copy(io.Discard, r)
	q.mu.Lock()
	q.end, q.err = true, err
	q.mu.Unlock()
	q.cond.Broadcast()
}

// next returns the next frame's time, waiting if it has not been read yet.
func (q *timestamps) next() (float64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.ts) == 0 && !q.end {
		q.cond.Wait()
	}
	if len(q.ts) > 0 {
		t := q.ts[0]
		q.ts = q.ts[1:]
		return t, nil
	}
	if q.err != nil {
		return 0, q.err
	}
	return 0, errors.New("no timestamp")
}
