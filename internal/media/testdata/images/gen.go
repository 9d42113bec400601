//go:build ignore

// gen regenerates the WebP test files in this directory with ffmpeg
// (libwebp): go run gen.go, from this directory. The frames are drawn here
// by animFrame, which the media tests reproduce to check the decoded pixels.
package main

import (
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"os"
	"os/exec"
	"path/filepath"
)

// animFrame must match animFrame in internal/media/animated_test.go.
func animFrame(i int, alpha bool) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			c := color.NRGBA{30, 60, 160, 255}
			switch {
			case alpha && (x < 8 || (x >= 44 && x < 52 && y >= 26 && y < 32)):
				c = color.NRGBA{}
			case x >= 8*i+4 && x < 8*i+20 && y >= 8 && y < 24:
				c = color.NRGBA{220, 40, 40, 255}
			case y >= 36 && y < 44:
				c = color.NRGBA{40, 200, 60, 255}
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

func main() {
	tmp, err := os.MkdirTemp("", "webpgen")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	for _, alpha := range []bool{false, true} {
		for i := 0; i < 5; i++ {
			f, err := os.Create(filepath.Join(tmp, fmt.Sprintf("a%v_%d.png", alpha, i)))
			if err != nil {
				log.Fatal(err)
			}
			if err := png.Encode(f, animFrame(i, alpha)); err != nil {
				log.Fatal(err)
			}
			f.Close()
		}
	}
	run := func(alpha bool, out string, args ...string) {
		in := filepath.Join(tmp, fmt.Sprintf("a%v_%%d.png", alpha))
		a := append([]string{"-y", "-loglevel", "error", "-framerate", "5", "-i", in}, args...)
		a = append(a, out)
		cmd := exec.Command("ffmpeg", a...)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			log.Fatalf("%s: %v", out, err)
		}
	}
	run(false, "anim_lossless.webp", "-c:v", "libwebp_anim", "-lossless", "1", "-loop", "0")
	run(false, "anim_lossy.webp", "-c:v", "libwebp_anim", "-quality", "90", "-loop", "0")
	run(true, "anim_alpha.webp", "-c:v", "libwebp_anim", "-quality", "90", "-pix_fmt", "yuva420p", "-loop", "0")
	run(false, "still_lossy.webp", "-frames:v", "1", "-c:v", "libwebp", "-quality", "90")
	run(true, "still_alpha_lossless.webp", "-frames:v", "1", "-c:v", "libwebp", "-lossless", "1")

	// An animated GIF written by ffmpeg with its frame-difference
	// optimisations (sub-rectangles, transparency), and the SHA-256 of each
	// frame as ffmpeg itself decodes it (RGB, 3 bytes a pixel), one a line.
	gifArgs := []string{"-y", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=1",
		"-gifflags", "+transdiff+offsetting", "-loop", "0", "ffmpeg_anim.gif"}
	if out, err := exec.Command("ffmpeg", gifArgs...).CombinedOutput(); err != nil {
		log.Fatalf("gif: %v\n%s", err, out)
	}
	raw, err := exec.Command("ffmpeg", "-loglevel", "error", "-i", "ffmpeg_anim.gif", "-f", "rawvideo", "-pix_fmt", "rgb24", "-").Output()
	if err != nil {
		log.Fatalf("gif decode: %v", err)
	}
	var sums []byte
	for n := 64 * 48 * 3; len(raw) >= n; raw = raw[n:] {
		sums = fmt.Appendf(sums, "%x\n", sha256.Sum256(raw[:n]))
	}
	if err := os.WriteFile("ffmpeg_anim.gif.sha256", sums, 0o644); err != nil {
		log.Fatal(err)
	}

	// The first bytes of small videos in each container, for the sniffing
	// tests (heads/<name>.bin).
	if err := os.MkdirAll("heads", 0o755); err != nil {
		log.Fatal(err)
	}
	for _, v := range []struct{ name, ext string }{
		{"mp4", "mp4"}, {"mov", "mov"}, {"3gp", "3gp"}, {"m4v", "m4v"},
		{"webm", "webm"}, {"mkv", "mkv"}, {"avi", "avi"}, {"mpegts", "ts"},
		{"mpegps", "mpg"}, {"flv", "flv"}, {"ogg", "ogv"}, {"asf", "wmv"},
	} {
		out := filepath.Join(tmp, "v."+v.ext)
		args := []string{"-y", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=0.2"}
		switch v.ext {
		case "3gp":
			args = append(args, "-c:v", "h263", "-s", "128x96")
		case "ogv":
			args = append(args, "-c:v", "libtheora")
		}
		cmd := exec.Command("ffmpeg", append(args, out)...)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			log.Fatalf("%s: %v", v.name, err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			log.Fatal(err)
		}
		if len(b) > 512 {
			b = b[:512]
		}
		if err := os.WriteFile(filepath.Join("heads", v.name+".bin"), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
