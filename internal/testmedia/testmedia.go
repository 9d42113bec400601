// Package testmedia makes deterministic images and videos for tests and
// benchmarks: textured pictures with the structure of photographs (shapes,
// edges, gradients, fine texture), and videos that pan slowly across such
// pictures with hard cuts between scenes, as real footage does.
package testmedia

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/disintegration/imaging"
)

// Picture draws a w×h picture determined by seed.
func Picture(seed uint64, w, h int) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	// Background: a two-colour gradient at a random angle.
	c0, c1 := randColor(r), randColor(r)
	ang := r.Float64() * 2 * math.Pi
	dx, dy := math.Cos(ang), math.Sin(ang)
	diag := math.Hypot(float64(w), float64(h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			t := (float64(x)*dx + float64(y)*dy) / diag
			t = t - math.Floor(t)
			img.SetRGBA(x, y, mix(c0, c1, t))
		}
	}
	// Shapes: rectangles and discs of many sizes.
	scale := float64(min(w, h))
	for i := 0; i < 40; i++ {
		c := randColor(r)
		cx, cy := r.Float64()*float64(w), r.Float64()*float64(h)
		size := scale * (0.03 + 0.3*r.Float64()*r.Float64())
		if r.IntN(2) == 0 {
			fillRect(img, int(cx-size), int(cy-size*0.6), int(cx+size), int(cy+size*0.6), c)
		} else {
			fillDisc(img, cx, cy, size/2, c)
		}
	}
	// Fine texture, as in foliage, fabric or brickwork.
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := int(r.IntN(25)) - 12
			i := img.PixOffset(x, y)
			for k := 0; k < 3; k++ {
				img.Pix[i+k] = clamp(int(img.Pix[i+k]) + n)
			}
		}
	}
	return img
}

func randColor(r *rand.Rand) color.RGBA {
	return color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	f := func(x, y uint8) uint8 { return uint8(float64(x)*(1-t) + float64(y)*t) }
	return color.RGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), 255}
}

func fillRect(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	r := image.Rect(x0, y0, x1, y1).Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

func fillDisc(img *image.RGBA, cx, cy, rad float64, c color.RGBA) {
	r := image.Rect(int(cx-rad), int(cy-rad), int(cx+rad)+1, int(cy+rad)+1).Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if math.Hypot(float64(x)-cx, float64(y)-cy) <= rad {
				img.SetRGBA(x, y, c)
			}
		}
	}
}

func clamp(v int) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// WritePNG writes img as PNG.
func WritePNG(path string, img image.Image) error {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// WriteJPEG writes img as JPEG at quality q.
func WriteJPEG(path string, img image.Image, q int) error {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// VideoSpec describes a generated video.
type VideoSpec struct {
	Seed     uint64
	W, H     int
	FPS      int
	Seconds  float64
	Scene    float64 // seconds per scene (a new picture after each cut); 0: 3 s
	CRF      int     // x264 quality; 0: 23
	GOP      int     // keyframe interval in frames; 0: x264 default
	Preset   string  // x264 preset; "": veryfast
	ExtraEnc []string
}

// Frame renders frame i of the video: a slow pan and zoom across the
// scene's picture.
func (s VideoSpec) Frame(i int, scenes map[int]*image.RGBA) *image.RGBA {
	sceneLen := s.Scene
	if sceneLen <= 0 {
		sceneLen = 3
	}
	t := float64(i) / float64(s.FPS)
	scene := int(t / sceneLen)
	pic, ok := scenes[scene]
	if !ok {
		pic = Picture(s.Seed*1000+uint64(scene), s.W*3/2, s.H*3/2)
		scenes[scene] = pic
	}
	local := t - float64(scene)*sceneLen
	// Pan about 20 px a second; zoom slowly.
	zoom := 1 - 0.02*local
	cw, ch := float64(s.W)*zoom, float64(s.H)*zoom
	ox := math.Mod(float64(s.W)/8+20*local, float64(pic.Bounds().Dx())-cw)
	oy := float64(s.H)/8 + 6*math.Sin(local)
	out := image.NewRGBA(image.Rect(0, 0, s.W, s.H))
	for y := 0; y < s.H; y++ {
		sy := int(oy + float64(y)*ch/float64(s.H))
		for x := 0; x < s.W; x++ {
			sx := int(ox + float64(x)*cw/float64(s.W))
			si := pic.PixOffset(sx, sy)
			di := out.PixOffset(x, y)
			copy(out.Pix[di:di+4], pic.Pix[si:si+4])
		}
	}
	return out
}

// WriteVideo encodes the video with ffmpeg (H.264 in MP4) at path.
func WriteVideo(ctx context.Context, path string, s VideoSpec) error {
	if s.FPS == 0 {
		s.FPS = 25
	}
	if s.CRF == 0 {
		s.CRF = 23
	}
	if s.Preset == "" {
		s.Preset = "veryfast"
	}
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y",
		"-f", "rawvideo", "-pix_fmt", "rgba", "-s", fmt.Sprintf("%dx%d", s.W, s.H), "-r", strconv.Itoa(s.FPS), "-i", "pipe:0",
		"-c:v", "libx264", "-preset", s.Preset, "-crf", strconv.Itoa(s.CRF), "-pix_fmt", "yuv420p"}
	if s.GOP > 0 {
		args = append(args, "-g", strconv.Itoa(s.GOP))
	}
	args = append(args, s.ExtraEnc...)
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	args = append(args, "file:"+abs)
	cmd := exec.CommandContext(ctx, "ffmpeg", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	scenes := map[int]*image.RGBA{}
	n := int(s.Seconds * float64(s.FPS))
	var werr error
	for i := 0; i < n && werr == nil; i++ {
		_, werr = in.Write(s.Frame(i, scenes).Pix)
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("ffmpeg: %v: %s", err, stderr.String())
	}
	return werr
}

// FFmpeg runs ffmpeg with args (for making variants of test media).
func FFmpeg(ctx context.Context, args ...string) error {
	full := append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}, args...)
	out, err := exec.CommandContext(ctx, "ffmpeg", full...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ffmpeg %v: %v: %s", args, err, out)
	}
	return nil
}

// Tilt turns img by deg degrees (counter-clockwise) about its centre and
// keeps its size, filling the corners with black, as a video filter does.
func Tilt(img image.Image, deg float64) image.Image {
	b := img.Bounds()
	r := imaging.Rotate(img, deg, color.Black)
	rb := r.Bounds()
	x0, y0 := (rb.Dx()-b.Dx())/2, (rb.Dy()-b.Dy())/2
	return imaging.Crop(r, image.Rect(x0, y0, x0+b.Dx(), y0+b.Dy()))
}
