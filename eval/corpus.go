package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // decode the PNGs written before JPEG re-encoding
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/testmedia"
)

// Item is one medium of the corpus: registered (its variants are checked)
// or a negative (checked as it is; nothing may match it).
type Item struct {
	ID         string
	Kind       media.Kind
	Registered bool
	// Category groups negatives in the report: real photo, real video,
	// video frame, flat graphic, title card, dark, same style, generated,
	// transformed.
	Category string
	Origin   string   // where it comes from, for people
	Pkgs     []string // Debian packages it needs
	Files    []string // the package files it is made from, as "pkg:path"
	Ext      string   // extension of the prepared file
	Quick    bool     // part of the -quick subset
	// Key describes how the file is made; the cached file name includes
	// its hash, so a changed recipe makes a new file.
	Key  string
	make func(ctx context.Context, env *Env, out string) error

	// Set by Prepare.
	Path  string
	Probe Probe
}

// Env is what preparing media needs.
type Env struct {
	Work     string
	Font     string // regular DejaVu font, or ""
	BoldFont string
	Log      *slog.Logger

	mu       sync.Mutex
	pkgDirs  map[string]string
	versions map[string]string
	updated  bool
}

// NewEnv makes an environment rooted at the work directory.
func NewEnv(work string, log *slog.Logger) *Env {
	e := &Env{Work: work, Log: log, pkgDirs: map[string]string{}, versions: map[string]string{}}
	for _, f := range []struct {
		dst  *string
		name string
	}{{&e.Font, "DejaVuSans.ttf"}, {&e.BoldFont, "DejaVuSans-Bold.ttf"}} {
		p := filepath.Join("/usr/share/fonts/truetype/dejavu", f.name)
		if _, err := os.Stat(p); err == nil {
			*f.dst = p
		}
	}
	return e
}

// Versions are the Debian package versions used, by package.
func (e *Env) Versions() map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]string, len(e.versions))
	for k, v := range e.versions {
		out[k] = v
	}
	return out
}

// PkgFile is the path of a file of an unpacked package.
func (e *Env) PkgFile(pkg, path string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return filepath.Join(e.pkgDirs[pkg], filepath.FromSlash(path))
}

// FetchPackages downloads (apt-get download) and unpacks (dpkg -x) each
// package into the cache, once; `apt-get update` runs once, before the
// first download.
func (e *Env) FetchPackages(ctx context.Context, pkgs []string) error {
	debDir := filepath.Join(e.Work, "debs")
	if err := os.MkdirAll(debDir, 0o755); err != nil {
		return err
	}
	for _, pkg := range pkgs {
		dir := filepath.Join(e.Work, "pkgs", pkg)
		deb, err := findDeb(debDir, pkg)
		if err != nil {
			return err
		}
		if deb == "" {
			if !e.updated {
				e.Log.Info("apt-get update")
				if out, err := exec.CommandContext(ctx, "apt-get", "update").CombinedOutput(); err != nil {
					// Not fatal: the lists may be fresh enough, or we are not root.
					e.Log.Warn("apt-get update failed", "err", err, "output", lastLine(out))
				}
				e.updated = true
			}
			e.Log.Info("apt-get download", "package", pkg)
			cmd := exec.CommandContext(ctx, "apt-get", "download", pkg)
			cmd.Dir = debDir
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("apt-get download %s: %v: %s (use -generated for a corpus without downloads)", pkg, err, lastLine(out))
			}
			if deb, err = findDeb(debDir, pkg); err != nil {
				return err
			}
			if deb == "" {
				return fmt.Errorf("apt-get download %s left no .deb in %s", pkg, debDir)
			}
		}
		ver, err := exec.CommandContext(ctx, "dpkg-deb", "-f", deb, "Version").Output()
		if err != nil {
			return fmt.Errorf("dpkg-deb -f %s: %v", deb, err)
		}
		if _, err := os.Stat(filepath.Join(dir, ".unpacked")); err != nil {
			tmp := dir + ".tmp"
			os.RemoveAll(tmp)
			if err := os.MkdirAll(tmp, 0o755); err != nil {
				return err
			}
			e.Log.Info("dpkg -x", "deb", filepath.Base(deb))
			if out, err := exec.CommandContext(ctx, "dpkg", "-x", deb, tmp).CombinedOutput(); err != nil {
				return fmt.Errorf("dpkg -x %s: %v: %s", deb, err, lastLine(out))
			}
			if err := os.WriteFile(filepath.Join(tmp, ".unpacked"), nil, 0o644); err != nil {
				return err
			}
			os.RemoveAll(dir)
			if err := os.Rename(tmp, dir); err != nil {
				return err
			}
		}
		e.mu.Lock()
		e.pkgDirs[pkg] = dir
		e.versions[pkg] = strings.TrimSpace(string(ver))
		e.mu.Unlock()
	}
	return nil
}

// findDeb finds pkg's downloaded .deb (pkg_version_arch.deb), newest first.
func findDeb(dir, pkg string) (string, error) {
	m, err := filepath.Glob(filepath.Join(dir, pkg+"_*.deb"))
	if err != nil || len(m) == 0 {
		return "", err
	}
	sort.Strings(m)
	return m[len(m)-1], nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:4])
}

// Prepare makes the item's file under work/media unless it is there
// already, and probes it.
func (it *Item) Prepare(ctx context.Context, env *Env) error {
	dir := filepath.Join(env.Work, "media", map[bool]string{true: "registered", false: "negative"}[it.Registered])
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out := filepath.Join(dir, it.ID+"-"+shortHash(it.Key)+"."+it.Ext)
	if _, err := os.Stat(out); err != nil {
		tmp := filepath.Join(dir, ".tmp-"+it.ID+"-"+shortHash(it.Key)+"."+it.Ext)
		if err := it.make(ctx, env, tmp); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("%s: %w", it.ID, err)
		}
		if err := os.Rename(tmp, out); err != nil {
			return err
		}
	}
	it.Path = out
	p, err := cachedProbe(ctx, out)
	if err != nil {
		return fmt.Errorf("%s: %w", it.ID, err)
	}
	if p.Kind != it.Kind {
		return fmt.Errorf("%s: %s is a %s, not a %s", it.ID, filepath.Base(out), p.Kind, it.Kind)
	}
	it.Probe = p
	return nil
}

// cachedProbe is ProbeFile, remembered beside the file (FILE.probe.json)
// so that reruns need not run ffprobe on every medium.
func cachedProbe(ctx context.Context, path string) (Probe, error) {
	side := path + ".probe.json"
	var p Probe
	if b, err := os.ReadFile(side); err == nil && json.Unmarshal(b, &p) == nil && p.Kind != "" {
		return p, nil
	}
	p, err := ProbeFile(ctx, path)
	if err != nil {
		return p, err
	}
	if b, err := json.Marshal(p); err == nil {
		os.WriteFile(side, b, 0o644) // only a cache: a failed write costs a probe next time
	}
	return p, nil
}

// ProbeFile reads a medium's kind, size and duration.
func ProbeFile(ctx context.Context, path string) (Probe, error) {
	sniffed, err := media.SniffFile(path)
	if err != nil {
		return Probe{}, err
	}
	kind := mediaKind(sniffed)
	out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=width,height,duration:format=duration", "-of", "json", "file:"+path).Output()
	if err != nil {
		return Probe{}, fmt.Errorf("ffprobe %s: %v", filepath.Base(path), err)
	}
	var r struct {
		Streams []struct {
			Width    int    `json:"width"`
			Height   int    `json:"height"`
			Duration string `json:"duration"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &r); err != nil || len(r.Streams) == 0 {
		return Probe{}, fmt.Errorf("ffprobe %s: no video stream", filepath.Base(path))
	}
	p := Probe{Kind: kind, W: r.Streams[0].Width, H: r.Streams[0].Height}
	if kind == media.KindVideo {
		d, _ := strconv.ParseFloat(r.Format.Duration, 64)
		if d == 0 {
			d, _ = strconv.ParseFloat(r.Streams[0].Duration, 64)
		}
		p.Duration = d
	}
	return p, nil
}

// ffmpeg runs ffmpeg with a time limit.
func ffmpeg(ctx context.Context, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	return testmedia.FFmpeg(ctx, args...)
}

// encodeJPEG re-encodes the picture at src as a JPEG of quality q at dst.
func encodeJPEG(src, dst string, q int) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	img, _, err := image.Decode(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("decoding %s: %w", filepath.Base(src), err)
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if err := jpeg.Encode(out, img, &jpeg.Options{Quality: q}); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// The constructors below build the pinned corpus tables.

const maxPhotoSide = 2048

// debPhoto is a still from a Debian package; photos larger than
// maxPhotoSide are scaled down (as a repost of a camera original would be)
// and written as JPEG (or WebP for WebP sources).
func debPhoto(id, pkg, path string) *Item {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	if ext == "jpeg" {
		ext = "jpg"
	}
	return &Item{ID: id, Kind: media.KindImage, Category: "real photo", Origin: pkg + ":" + path, Pkgs: []string{pkg}, Ext: ext,
		Files: []string{pkg + ":" + path},
		Key:   fmt.Sprintf("photo|%s|%s|%d", pkg, path, maxPhotoSide),
		make: func(ctx context.Context, env *Env, out string) error {
			src := env.PkgFile(pkg, path)
			p, err := ProbeFile(ctx, src)
			if err != nil {
				return err
			}
			if max(p.W, p.H) <= maxPhotoSide {
				return copyFile(src, out)
			}
			scale := fmt.Sprintf("scale=w='if(gte(iw,ih),%d,-2)':h='if(gte(iw,ih),-2,%d)'", maxPhotoSide, maxPhotoSide)
			args := []string{"-i", src, "-vf", scale, "-frames:v", "1", "-update", "1"}
			switch ext {
			case "jpg":
				args = append(args, "-q:v", "2")
			case "webp":
				args = append(args, "-c:v", "libwebp", "-quality", "85")
			}
			return ffmpeg(ctx, append(args, out)...)
		}}
}

// debVideo is a video from a Debian package: copied as it is when no
// excerpt is asked for, else the excerpt re-encoded as H.264 (CRF 18).
func debVideo(id, pkg, path string, start, length float64) *Item {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	if length > 0 {
		ext = "mp4"
	}
	return &Item{ID: id, Kind: media.KindVideo, Category: "real video", Origin: fmt.Sprintf("%s:%s", pkg, path), Pkgs: []string{pkg}, Ext: ext,
		Files: []string{pkg + ":" + path},
		Key:   fmt.Sprintf("video|%s|%s|%g|%g", pkg, path, start, length),
		make: func(ctx context.Context, env *Env, out string) error {
			src := env.PkgFile(pkg, path)
			if length <= 0 {
				return copyFile(src, out)
			}
			return ffmpeg(ctx, "-ss", fmt.Sprint(start), "-t", fmt.Sprint(length), "-i", src, "-an",
				"-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", out)
		}}
}

// debFiltered is a Debian photo or video passed through an ffmpeg filter
// (a frame, a crop, a darkened copy) and written with the item's extension.
func debFiltered(id, category, pkg, path string, pre []string, vf string, ext string) *Item {
	return &Item{ID: id, Kind: kindOfExt(ext), Category: category, Origin: fmt.Sprintf("%s:%s %s %s", pkg, path, strings.Join(pre, " "), vf),
		Pkgs: []string{pkg}, Files: []string{pkg + ":" + path}, Ext: ext, Key: fmt.Sprintf("filtered|%s|%s|%v|%s|%s", pkg, path, pre, vf, ext),
		make: func(ctx context.Context, env *Env, out string) error {
			args := append(append([]string{}, pre...), "-i", env.PkgFile(pkg, path), "-vf", vf, "-an")
			args = append(args, outputArgs(ext)...)
			return ffmpeg(ctx, append(args, out)...)
		}}
}

// panVideo is a video that pans and zooms slowly across real photos, with a
// cut between them (a slideshow as news pages and social posts make).
func panVideo(id, pkg string, paths []string, perPhoto float64) *Item {
	return &Item{ID: id, Kind: media.KindVideo, Category: "real photos, panned", Origin: pkg + ":" + strings.Join(paths, "+"),
		Pkgs: []string{pkg}, Files: pkgFiles(pkg, paths), Ext: "mp4", Key: fmt.Sprintf("pan|%s|%v|%g", pkg, paths, perPhoto),
		make: func(ctx context.Context, env *Env, out string) error {
			var args []string
			var graph []string
			frames := int(perPhoto * 25)
			for i, p := range paths {
				args = append(args, "-i", env.PkgFile(pkg, p))
				graph = append(graph, fmt.Sprintf("[%d:v]scale=1920:1080:force_original_aspect_ratio=increase,crop=1920:1080,"+
					"zoompan=z='1.1+0.0015*on':x='(iw-iw/zoom)*on/%d':y='(ih-ih/zoom)/2':d=%d:s=960x540:fps=25,setsar=1[p%d]", i, frames, frames, i))
			}
			var cat string
			for i := range paths {
				cat += fmt.Sprintf("[p%d]", i)
			}
			graph = append(graph, fmt.Sprintf("%sconcat=n=%d:v=1:a=0,format=yuv420p[v]", cat, len(paths)))
			args = append(args, "-filter_complex", strings.Join(graph, ";"), "-map", "[v]",
				"-c:v", "libx264", "-preset", "veryfast", "-crf", "20", out)
			return ffmpeg(ctx, args...)
		}}
}

// stillClip is a clip made from one still of a Debian package by an
// ffmpeg filter graph that makes the frames (zoompan: a pan or zoom over
// the still, then a grade), H.264, at most the given seconds.
func stillClip(id, category, pkg, path string, seconds float64, vf string) *Item {
	return &Item{ID: id, Kind: media.KindVideo, Category: category, Origin: fmt.Sprintf("%s:%s %s", pkg, path, vf),
		Pkgs: []string{pkg}, Files: []string{pkg + ":" + path}, Ext: "mp4", Key: fmt.Sprintf("stillclip|%s|%s|%g|%s", pkg, path, seconds, vf),
		make: func(ctx context.Context, env *Env, out string) error {
			args := []string{"-i", env.PkgFile(pkg, path), "-vf", vf, "-t", fmt.Sprint(seconds), "-an"}
			return ffmpeg(ctx, append(append(args, outputArgs("mp4")...), out)...)
		}}
}

// genVideo is a generated clip (slow pans over textured pictures with hard
// cuts).
func genVideo(id string, spec testmedia.VideoSpec) *Item {
	return &Item{ID: id, Kind: media.KindVideo, Category: "generated", Origin: fmt.Sprintf("testmedia video seed %d", spec.Seed), Ext: "mp4",
		Key: fmt.Sprintf("genvideo|%+v", spec),
		make: func(ctx context.Context, env *Env, out string) error {
			return testmedia.WriteVideo(ctx, out, spec)
		}}
}

// genPicture is a generated picture.
func genPicture(id string, seed uint64, w, h int) *Item {
	return &Item{ID: id, Kind: media.KindImage, Category: "generated", Origin: fmt.Sprintf("testmedia picture seed %d", seed), Ext: "jpg",
		Key: fmt.Sprintf("genpicture|%d|%d|%d", seed, w, h),
		make: func(ctx context.Context, env *Env, out string) error {
			return testmedia.WriteJPEG(out, testmedia.Picture(seed, w, h), 90)
		}}
}

// lavfi is media made by an ffmpeg source filter (colour bars, title cards,
// gradients, dark noise), with an optional filter chain; drawtext's font is
// filled in for "{font}" and "{bold}".
func lavfi(id, category, src, vf string, seconds float64, ext string) *Item {
	return &Item{ID: id, Kind: kindOfExt(ext), Category: category, Origin: "ffmpeg " + src + " " + vf, Ext: ext,
		Key: fmt.Sprintf("lavfi|%s|%s|%g|%s", src, vf, seconds, ext),
		make: func(ctx context.Context, env *Env, out string) error {
			args := []string{"-f", "lavfi", "-i", src}
			if vf != "" {
				f := strings.ReplaceAll(vf, "{font}", fontOpt(env.Font))
				f = strings.ReplaceAll(f, "{bold}", fontOpt(env.BoldFont))
				args = append(args, "-vf", f)
			}
			if ext == "mp4" {
				args = append(args, "-t", fmt.Sprint(seconds))
			}
			args = append(args, outputArgs(ext)...)
			return ffmpeg(ctx, append(args, out)...)
		}}
}

// genFiltered is a generated clip passed through an ffmpeg filter (dark or
// faded versions).
func genFiltered(id, category string, spec testmedia.VideoSpec, vf string) *Item {
	return &Item{ID: id, Kind: media.KindVideo, Category: category, Origin: fmt.Sprintf("testmedia video seed %d, %s", spec.Seed, vf), Ext: "mp4",
		Key: fmt.Sprintf("genfiltered|%+v|%s", spec, vf),
		make: func(ctx context.Context, env *Env, out string) error {
			raw := out + ".raw.mp4"
			defer os.Remove(raw)
			if err := testmedia.WriteVideo(ctx, raw, spec); err != nil {
				return err
			}
			return ffmpeg(ctx, append([]string{"-i", raw, "-vf", vf, "-an"}, append(outputArgs("mp4"), out)...)...)
		}}
}

// mediaKind is how provcheck treats a file: animated GIF, WebP and PNG are
// checked as videos.
func mediaKind(m media.Media) media.Kind {
	if m.Kind == media.KindImage && m.Animated {
		return media.KindVideo
	}
	return m.Kind
}

func pkgFiles(pkg string, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = pkg + ":" + p
	}
	return out
}

func fontOpt(f string) string {
	if f == "" {
		return ""
	}
	return "fontfile='" + f + "':"
}

func kindOfExt(ext string) media.Kind {
	switch ext {
	case "mp4", "gif", "avi", "mov", "webm", "mpg":
		return media.KindVideo
	}
	return media.KindImage
}

// outputArgs are the encoder options for a prepared file.
func outputArgs(ext string) []string {
	switch ext {
	case "mp4":
		return []string{"-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"}
	case "jpg":
		return []string{"-frames:v", "1", "-update", "1", "-q:v", "2"}
	case "webp":
		return []string{"-frames:v", "1", "-update", "1", "-c:v", "libwebp", "-quality", "80"}
	}
	return []string{"-frames:v", "1", "-update", "1"}
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s is not in its package (was the package's content changed?)", src)
		}
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
