// Package ffmpeg runs the ffmpeg and ffprobe programs for the rest of
// provcheck: it probes a video (container, codec, display size, rotation,
// duration, frame rate) and streams sampled frames as small RGBA images.
//
// Every run is hardened against hostile input:
//
//   - programs are started directly with argument slices, never through a
//     shell, with -nostdin, -hide_banner and -loglevel error;
//   - the input must be a non-empty regular file; it is handed over as
//     "file:" plus its absolute path, so a name such as "-i", "http:x.mp4"
//     or "concat:a|b" is only ever a local file name;
//   - inputs may only use the file and pipe protocols
//     (-protocol_whitelist file,pipe) and only the container demuxers in
//     [DefaultFormats] (-format_whitelist), so playlists (HLS), concat
//     scripts and image-sequence patterns that open other files or URLs are
//     refused before they open anything;
//   - each call has a deadline (Config.Timeout and the caller's context);
//     the program runs in its own process group, which is killed as a whole
//     when the deadline passes, the context ends or the caller stops early,
//     and on Linux the kernel kills it if this process dies;
//   - stderr is kept in a bounded buffer whose last lines are folded into
//     the error: "ffmpeg: <path>: exit status 1: <last stderr lines>".
//
// Frames are decoded and scaled inside ffmpeg (scale=W:H:flags=area to a
// fixed size computed from the probe) and read from stdout as raw RGBA into
// one reused buffer. Presentation times come from the filter graph itself:
// the metadata filter prints each frame's pts (in µs, after settb) to file
// descriptor 3 before the frame reaches the output, so every mode (fixed
// rate, every frame, keyframes only) reports each frame's real timestamp,
// relative to the start of the file, and the two pipes cannot deadlock.
package ffmpeg

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/provcheck/provcheck/internal/media"
)

// Info describes the video stream of a file.
type Info struct {
	Format   string  // container, from ffprobe format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
	Codec    string  // video codec name, e.g. "h264"
	Width    int     // display width: sample aspect ratio applied, AFTER rotation
	Height   int     // display height: sample aspect ratio applied, AFTER rotation
	Rotation int     // clockwise degrees the coded picture is turned for display: 0, 90, 180, 270
	Duration float64 // seconds
	FPS      float64 // average frame rate
	Frames   int     // nb_frames when the container says, else 0
}

// SampleOptions choose which frames Frames delivers and at what size.
type SampleOptions struct {
	// FPS is the number of frames per second to sample; 0 means every
	// decoded frame. Sampling keeps the first frame at or after each of
	// 0, 1/FPS, 2/FPS, … (from the start of the file): frame times are
	// within one source frame of that grid, and a slot without a frame of
	// its own is skipped, never filled with a duplicate. A rate at or above
	// the stream's own gives every frame. At a fifth of the stream's rate
	// or less, frames that no other frame refers to (most B-frames) are not
	// even decoded, so a slot may start a frame or two late. With
	// KeyframesOnly, FPS is an upper bound instead: a keyframe is kept only
	// if it is at least 1/FPS seconds after the last one kept.
	FPS float64
	// MaxSide scales frames so that the longer side is at most this many
	// pixels, keeping the display aspect ratio, with even dimensions. 0 keeps
	// the display size. Frames are never enlarged.
	MaxSide int
	// PortraitByWidth applies MaxSide to the width of a portrait (taller
	// than wide) video instead of its height, with the height capped at
	// twice MaxSide: a 9:16 repost usually holds a 16:9 picture across its
	// width, which would otherwise get only a fraction of MaxSide.
	PortraitByWidth bool
	// MaxFrames stops after this many frames; 0 means no limit.
	MaxFrames int
	// KeyframesOnly decodes keyframes only (ffmpeg -skip_frame nokey): much
	// faster, fewer frames, for quick query sampling.
	KeyframesOnly bool
	// FineSide, when above MaxSide, also delivers each frame at this size
	// (Frame.Fine: the long side at most FineSide, or the width with
	// PortraitByWidth, never enlarged), decoded once and scaled twice in
	// the same ffmpeg run. Frame.Img is the same as without it. Frames
	// that would be no larger than Img get no Fine copy.
	FineSide int
	// ShortFPS, when above FPS, is the rate a clip shorter than ShortUnder
	// seconds (its duration as probed before decoding; a clip of unknown
	// duration is not short) is sampled at instead of FPS: a short clip
	// gets more frames than FPS would give it.
	ShortFPS   float64
	ShortUnder float64
}

// rate is the sampling rate for a clip of the probed duration (seconds;
// 0 unknown): FPS, or ShortFPS for a short clip.
func (o SampleOptions) rate(duration float64) float64 {
	if o.FPS > 0 && o.ShortFPS > o.FPS && duration > 0 && duration < o.ShortUnder {
		return o.ShortFPS
	}
	return o.FPS
}

// Frame is one decoded, scaled video frame.
type Frame struct {
	// T is the presentation time in seconds from the start of the file.
	T float64
	// Img holds the frame at the size derived from Info and MaxSide. The
	// buffer is reused for the next frame: the callback must not keep Img
	// (or its Pix) after it returns; copy what it needs.
	Img *image.RGBA
	// Fine is the same frame at the larger size SampleOptions.FineSide
	// asks for, nil when none was asked for or the video has no more
	// pixels than Img. Its buffer is reused too.
	Fine *image.RGBA
	// Duration is the clip's duration as probed before decoding
	// (Info.Duration; 0 unknown), the same on every frame: what a
	// consumer needs to plan its work before the last frame arrives.
	Duration float64
}

// Decoder is what the rest of the program uses to read videos. *FFmpeg
// implements it; tests elsewhere can substitute their own.
type Decoder interface {
	Probe(ctx context.Context, path string) (Info, error)
	Frames(ctx context.Context, path string, opt SampleOptions, fn func(Frame) error) (Info, error)
}

// Config says where the programs are and how to run them.
type Config struct {
	FFmpeg  string        // ffmpeg program name or path; "" = "ffmpeg" from PATH
	FFprobe string        // ffprobe program name or path; "" = next to FFmpeg, else "ffprobe" from PATH
	Timeout time.Duration // limit for one Probe or Frames call; 0 = DefaultTimeout
	Threads int           // decoder and filter threads; 0 = ffmpeg's choice (all cores)

	// Formats lists the demuxers ffmpeg may use (ffmpeg names, e.g. "mov",
	// "matroska"); nil means DefaultFormats. Never add playlist or script
	// demuxers such as hls, dash, concat or image2: they open other files.
	Formats []string
	// MaxPixels refuses videos whose coded frame has more pixels than this;
	// 0 means DefaultMaxPixels.
	MaxPixels int
}

// DefaultTimeout bounds one Probe or Frames call when Config.Timeout is 0.
const DefaultTimeout = 120 * time.Second

// DefaultMaxPixels is the largest coded frame accepted by default (8192×8192).
const DefaultMaxPixels = 8192 * 8192

// DefaultFormats are the container and raw-stream demuxers allowed by
// default. None of them opens files or URLs other than its input. A name
// matches any of the names a demuxer has (e.g. "mov" allows
// "mov,mp4,m4a,3gp,3g2,mj2", "webm" allows "matroska,webm").
var DefaultFormats = []string{
	"mov", "matroska", "webm", "avi", "flv", "mpegts", "mpeg", "ogg", "asf",
	"mxf", "nut", "dv", "rm", "wtv", "gif", "apng", "ivf", "obu", "h264",
	"hevc", "m4v", "mpegvideo", "h263", "vc1", "yuv4mpegpipe",
}

// Errors callers can test with errors.Is.
var (
	// ErrNotInstalled: ffmpeg or ffprobe was not found.
	ErrNotInstalled = errors.New("ffmpeg is not installed (on Debian or Ubuntu: apt-get install -y ffmpeg)")
	// ErrTimeout: the call took longer than Config.Timeout; the program
	// was killed. It is media.ErrTimeout.
	ErrTimeout = media.ErrTimeout
	// ErrNotRegular: the path is a directory, device, named pipe or
	// socket. It is media.ErrNotRegular.
	ErrNotRegular = media.ErrNotRegular
	// ErrEmpty: the file has no bytes. It is media.ErrEmpty.
	ErrEmpty = media.ErrEmpty
	// ErrNoVideo: the file has no video stream (cover art does not count).
	ErrNoVideo = errors.New("no video stream")
	// ErrNoFrames: ffmpeg ended without producing any frame.
	ErrNoFrames = errors.New("no frames decoded")
	// ErrTooLarge: the coded frame exceeds Config.MaxPixels (wrapped as
	// "video frame too large"). It is media.ErrTooLarge.
	ErrTooLarge = media.ErrTooLarge
	// ErrStop may be returned by a Frames callback to end sampling early;
	// Frames then returns a nil error.
	ErrStop = errors.New("stop sampling")
)

// FFmpeg runs the ffmpeg and ffprobe programs. It is safe for concurrent use.
type FFmpeg struct {
	ffmpeg, ffprobe string
	timeout         time.Duration
	threads         int
	formats         string
	maxPixels       int

	forceLegacy   bool // tests: use the command line for ffmpeg before 5.1
	alwaysFFprobe bool // tests: probe with ffprobe even where probeMP4 could
}

var _ Decoder = (*FFmpeg)(nil)

// New finds the programs named by cfg. If either is missing the error wraps
// ErrNotInstalled and says how to install ffmpeg.
func New(cfg Config) (*FFmpeg, error) {
	ffName := cfg.FFmpeg
	if ffName == "" {
		ffName = "ffmpeg"
	}
	ff, err := exec.LookPath(ffName)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotInstalled, err)
	}
	probeName := cfg.FFprobe
	if probeName == "" {
		probeName = "ffprobe"
		if strings.ContainsRune(ffName, filepath.Separator) {
			// An explicit ffmpeg path: prefer the ffprobe beside it.
			sibling := filepath.Join(filepath.Dir(ff), "ffprobe")
			if p, err := exec.LookPath(sibling); err == nil {
				probeName = p
			}
		}
	}
	probe, err := exec.LookPath(probeName)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotInstalled, err)
	}
	f := &FFmpeg{
		ffmpeg:    ff,
		ffprobe:   probe,
		timeout:   cfg.Timeout,
		threads:   max(cfg.Threads, 0),
		maxPixels: cfg.MaxPixels,
	}
	if f.timeout <= 0 {
		f.timeout = DefaultTimeout
	}
	if f.maxPixels <= 0 {
		f.maxPixels = DefaultMaxPixels
	}
	formats := cfg.Formats
	if formats == nil {
		formats = DefaultFormats
	}
	for _, name := range formats {
		if name == "" || strings.ContainsAny(name, ", \t\n") {
			return nil, fmt.Errorf("ffmpeg: bad format name %q in Config.Formats", name)
		}
	}
	if len(formats) == 0 {
		return nil, errors.New("ffmpeg: Config.Formats is empty")
	}
	f.formats = strings.Join(formats, ",")
	return f, nil
}

// Paths reports the ffmpeg and ffprobe programs in use.
func (f *FFmpeg) Paths() (ffmpeg, ffprobe string) { return f.ffmpeg, f.ffprobe }
