package ffmpeg

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/provcheck/provcheck/internal/safefile"
)

// probeEntries is what ffprobe is asked to print, nothing more.
const probeEntries = "format=format_name,duration" +
	":stream=index,codec_type,codec_name,width,height,sample_aspect_ratio,avg_frame_rate,r_frame_rate,nb_frames,duration" +
	":stream_disposition=attached_pic:stream_tags=rotate:stream_side_data=side_data_type,rotation"

// probeOutputLimit bounds how much ffprobe output is read.
const probeOutputLimit = 1 << 20

// probed is Info plus what Frames needs to build its filter graph.
type probed struct {
	Info
	stream int // absolute index of the chosen video stream
	codedW int // coded size, before aspect ratio and rotation
	codedH int
}

// Probe reads the container and video stream properties of the file at path.
func (f *FFmpeg) Probe(ctx context.Context, path string) (Info, error) {
	ctx, cancel := f.withTimeout(ctx)
	defer cancel()
	p, err := f.probe(ctx, path)
	return p.Info, err
}

func (f *FFmpeg) probe(ctx context.Context, path string) (probed, error) {
	in, err := inputURL(path)
	if err != nil {
		return probed{}, &Error{Tool: "ffprobe", Path: path, Err: err}
	}
	if !f.alwaysFFprobe && f.allowsFormat(mp4Format) {
		if p, ok := probeHeader(strings.TrimPrefix(in, "file:")); ok {
			return p, f.checkPixels(path, p)
		}
	}
	return f.probeFFprobe(ctx, path, in)
}

// allowsFormat reports whether the demuxer named by ffmpeg's
// comma-separated names is on the format whitelist (one name suffices, as
// for ffmpeg's -format_whitelist).
func (f *FFmpeg) allowsFormat(names string) bool {
	for _, n := range strings.Split(names, ",") {
		for _, a := range strings.Split(f.formats, ",") {
			if n == a {
				return true
			}
		}
	}
	return false
}

// probeHeader reads the container header in Go where probeMP4 models it.
func probeHeader(abs string) (probed, bool) {
	file, fi, err := safefile.Open(abs)
	if err != nil {
		return probed{}, false
	}
	defer file.Close()
	return probeMP4(file, fi.Size())
}

// checkPixels refuses a stream whose coded frames are over the limit.
func (f *FFmpeg) checkPixels(path string, p probed) error {
	if p.codedW*p.codedH > f.maxPixels {
		return &Error{Tool: "ffprobe", Path: path,
			Err: fmt.Errorf("video frame %w: %dx%d is more than %d pixels", ErrTooLarge, p.codedW, p.codedH, f.maxPixels)}
	}
	return nil
}

// probeFFprobe runs ffprobe on the input URL in.
func (f *FFmpeg) probeFFprobe(ctx context.Context, path, in string) (probed, error) {
	args := []string{
		"-hide_banner", "-loglevel", "error",
		"-max_pixels", strconv.Itoa(f.maxPixels), // frames decoded to find stream parameters
		"-protocol_whitelist", "file,pipe",
		"-format_whitelist", f.formats,
		"-show_entries", probeEntries,
		"-of", "json",
		"-i", in,
	}
	stderr := &tailBuffer{}
	stdout := &capBuffer{limit: probeOutputLimit}
	cmd := command(ctx, f.ffprobe, args, stderr)
	cmd.Stdout = stdout
	err := cmd.Start()
	if err == nil {
		if testHookStarted != nil {
			testHookStarted(cmd)
		}
		err = cmd.Wait()
	}
	if err := f.runError(ctx, "ffprobe", path, err, stderr); err != nil {
		return probed{}, err
	}
	if stdout.overflow {
		return probed{}, &Error{Tool: "ffprobe", Path: path, Err: fmt.Errorf("more than %d bytes of output", probeOutputLimit)}
	}
	p, err := parseProbe(stdout.buf.Bytes())
	if err != nil {
		folded := stderr.Fold()
		if strings.Contains(folded, "exceeds specified max pixel count") {
			// ffprobe could not open a stream whose frames are over
			// -max_pixels: too large, not missing.
			return probed{}, &Error{Tool: "ffprobe", Path: path,
				Err: fmt.Errorf("%w: the frames are more than %d pixels", ErrTooLarge, f.maxPixels)}
		}
		return probed{}, &Error{Tool: "ffprobe", Path: path, Err: err, Stderr: folded}
	}
	return p, f.checkPixels(path, p)
}

// ffprobeJSON is the part of ffprobe's JSON output that is used.
type ffprobeJSON struct {
	Streams []struct {
		Index        int    `json:"index"`
		CodecType    string `json:"codec_type"`
		CodecName    string `json:"codec_name"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		SAR          string `json:"sample_aspect_ratio"`
		AvgFrameRate string `json:"avg_frame_rate"`
		RFrameRate   string `json:"r_frame_rate"`
		NbFrames     string `json:"nb_frames"`
		Duration     string `json:"duration"`
		Disposition  struct {
			AttachedPic int `json:"attached_pic"`
		} `json:"disposition"`
		Tags     map[string]string `json:"tags"`
		SideData []sideData        `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

// sideData is one entry of a stream's side_data_list.
type sideData struct {
	Type     string   `json:"side_data_type"`
	Rotation *float64 `json:"rotation"`
}

// parseProbe picks the first video stream that is not cover art and
// derives Info from it.
func parseProbe(data []byte) (probed, error) {
	var out ffprobeJSON
	if err := json.Unmarshal(data, &out); err != nil {
		return probed{}, fmt.Errorf("reading ffprobe output: %w", err)
	}
	for _, s := range out.Streams {
		if s.CodecType != "video" || s.Disposition.AttachedPic != 0 || s.Width <= 0 || s.Height <= 0 {
			continue
		}
		p := probed{stream: s.Index, codedW: s.Width, codedH: s.Height}
		p.Format = out.Format.FormatName
		p.Codec = s.CodecName

		// Display size: the sample aspect ratio stretches the width (as
		// ffmpeg does), then rotation by a quarter turn swaps the sides.
		w, h := s.Width, s.Height
		if sar, ok := parseRatio(s.SAR); ok && sar != 1 && sar >= 0.1 && sar <= 10 {
			w = int(math.Round(float64(w) * sar))
		}
		p.Rotation = rotation(s.SideData, s.Tags)
		if p.Rotation == 90 || p.Rotation == 270 {
			w, h = h, w
		}
		p.Width, p.Height = w, h

		p.Duration = parseSeconds(out.Format.Duration)
		if p.Duration == 0 {
			p.Duration = parseSeconds(s.Duration)
		}
		if r, ok := parseRatio(s.AvgFrameRate); ok {
			p.FPS = r
		} else if r, ok := parseRatio(s.RFrameRate); ok {
			p.FPS = r
		}
		if n, err := strconv.Atoi(s.NbFrames); err == nil && n > 0 {
			p.Frames = n
		}
		return p, nil
	}
	return probed{}, ErrNoVideo
}

// rotation returns the clockwise display rotation in quarter turns of
// degrees. The display matrix (which ffmpeg reports counter-clockwise) wins
// over the older "rotate" tag (clockwise); this is the turn ffmpeg's
// autorotation applies when decoding.
func rotation(side []sideData, tags map[string]string) int {
	deg := math.NaN()
	for _, sd := range side {
		if sd.Type == "Display Matrix" && sd.Rotation != nil {
			deg = -*sd.Rotation
			break
		}
	}
	if math.IsNaN(deg) {
		if v, err := strconv.ParseFloat(strings.TrimSpace(tags["rotate"]), 64); err == nil {
			deg = v
		}
	}
	if math.IsNaN(deg) || math.IsInf(deg, 0) {
		return 0
	}
	q := int(math.Round(deg/90)) % 4
	if q < 0 {
		q += 4
	}
	return q * 90
}

// parseRatio reads "num/den" or "num:den"; ok is false for 0, N/A and 0/0.
func parseRatio(s string) (float64, bool) {
	num, den, found := strings.Cut(s, "/")
	if !found {
		num, den, found = strings.Cut(s, ":")
	}
	if !found {
		return 0, false
	}
	n, err1 := strconv.ParseFloat(num, 64)
	d, err2 := strconv.ParseFloat(den, 64)
	if err1 != nil || err2 != nil || n <= 0 || d <= 0 || math.IsInf(n/d, 0) {
		return 0, false
	}
	return n / d, true
}

// parseSeconds reads a non-negative number of seconds; anything else is 0.
func parseSeconds(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}
