package main

// Scale mode (-scale): the same evaluation with the registry preloaded with
// distractors — thousands of registered photos and clips of real content
// that none of the checked files comes from — so that the figures show
// whether recall and false alarms survive registry size. Real content
// matters: real pictures share far more structure (skies, edges, text,
// textures) than random bits, and so collide far more in the indexes.
//
// The distractors are made from the pictures of Debian packages (the
// pool): each picture as shipped (scaled to at most 2048 px), transformed
// copies of it (crops, scaling, colour, mirroring, JPEG quality, caption
// bars, grayscale), and short clips that pan and zoom across one or two of
// them, with a cut. Every one is registered as `registry add` registers a
// file (engine.MediaFromFile: the dense registration sampling, PDQ with
// its views, local features, thumbnails), one case each.
//
// The pool is disjoint from the corpus by construction and by check: a
// pool file is left out when its digest is that of a file any registered
// medium or negative is made from, when it lies in the same package
// directory as such a file (siblings: other sizes, neighbouring tiles), or
// when its PDQ hash is within possible_distance of such a picture's (in
// any of the eight rotations and mirrorings). The counts are reported.
//
// Building takes a while (thousands of files fingerprinted), so the
// registry is built once and cached under WORK/scale, keyed by what went
// into it (the pool's files and digests, the counts, this file's recipe
// version, the fingerprint version and the sampling configuration); a
// rerun copies the cached registry and registers the corpus on top.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	_ "image/png" // pool pictures
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/disintegration/imaging"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
	_ "golang.org/x/image/webp" // pool pictures

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/signal/localindex"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// Scale mode's sizes and recipe version (bump scaleRecipe when how
// distractors are made changes: it is part of the cache key).
const (
	ScalePhotos      = 5000 // registered distractor photos
	ScaleClips       = 1000 // registered distractor clips
	scaleClipSeconds = 4    // length of a distractor clip
	scaleMinSide     = 320  // pool pictures are at least this on their short side
	scaleRecipe      = 1
)

// DistractorPackages are the Debian packages the pool comes from: sky
// photographs and nebulae, landscape panoramas and textures (Stellarium),
// painted game art and portraits (Wesnoth), photographs and drawings of
// animals and objects (Tux Paint stamps), game textures and course
// previews (Extreme Tux Racer), desktop artwork (Debian, Sway, Lomiri).
var DistractorPackages = []string{
	"stellarium-data", "wesnoth-1.16-data", "tuxpaint-stamps-default", "extremetuxracer-data",
	"desktop-base", "sway-backgrounds", "lomiri-wallpapers",
}

// ScaleOptions size the distractor registry.
type ScaleOptions struct {
	Photos, Clips int
}

// PoolFile is one picture of the pool.
type PoolFile struct {
	Pkg    string `json:"pkg"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	W      int    `json:"w"`
	H      int    `json:"h"`
}

func (f PoolFile) name() string { return f.Pkg + ":" + f.Path }

// Exclusions count the pool pictures left out, by reason.
type Exclusions struct {
	Scanned       int      `json:"scanned"`        // pictures of at least scaleMinSide in the packages
	InCorpus      int      `json:"in_corpus"`      // the file a corpus medium is made from
	SameDigest    int      `json:"same_digest"`    // digest of another file a corpus medium is made from
	Sibling       int      `json:"sibling"`        // in the directory of a corpus file
	Duplicate     int      `json:"duplicate"`      // digest of an earlier pool file
	NearDuplicate int      `json:"near_duplicate"` // PDQ within possible_distance of a corpus picture
	Undecodable   int      `json:"undecodable"`
	Kept          int      `json:"kept"`
	Examples      []string `json:"examples,omitempty"` // a few of the files left out, with the reason
}

// ScaleStats describe the distractor registry.
type ScaleStats struct {
	Key          string            `json:"key"`
	Photos       int               `json:"photos"`
	Clips        int               `json:"clips"`
	ClipSeconds  float64           `json:"clip_seconds"`
	Frames       int               `json:"frames"`       // registered frames
	Views        int               `json:"views"`        // registered frame views
	Hashes       int               `json:"pdq_hashes"`   // PDQ hashes in the index (frames and views)
	LocalFrames  int               `json:"local_frames"` // frames with local features in the index
	Descriptors  int               `json:"local_descriptors"`
	LocalBytes   int64             `json:"local_bytes"`
	HeapBytes    uint64            `json:"snapshot_heap_bytes"` // heap held by the loaded snapshot of the distractors alone
	DBBytes      int64             `json:"db_bytes"`
	BuildSeconds float64           `json:"build_seconds"` // making the files and registering them
	Exclusions   Exclusions        `json:"exclusions"`
	Packages     map[string]string `json:"packages"`
	// Origins name, for every distractor case, what it was made from.
	Origins map[string]string `json:"origins"`
}

// distractor is one medium to make and register.
type distractor struct {
	ID     string
	Origin string
	Path   string
	make   func(ctx context.Context) error
}

// corpusRefs are the files the corpus is made from: their digests, their
// package directories, and the PDQ hashes (all eight dihedral forms) of the
// pictures among them.
type corpusRefs struct {
	digests map[string]string // sha256 → pkg:path
	dirs    map[string]string // pkg:dir → pkg:path
	hashes  []namedHashes8
}

type namedHashes8 struct {
	name string
	h    [8]pdq.Hash
}

// scanCorpus reads the files of every item of the full plan (whatever the
// run's -kind, -only or -quick: the cache serves every run).
func scanCorpus(ctx context.Context, env *Env, plan Plan, minQuality int) (*corpusRefs, error) {
	refs := &corpusRefs{digests: map[string]string{}, dirs: map[string]string{}}
	var files []string
	seen := map[string]bool{}
	for _, it := range append(append([]*Item{}, plan.Registered...), plan.Negatives...) {
		for _, f := range it.Files {
			if !seen[f] {
				seen[f] = true
				files = append(files, f)
			}
		}
	}
	sort.Strings(files)
	var mu sync.Mutex
	err := parallel(ctx, 2, len(files), func(i int) error {
		pkg, p, _ := strings.Cut(files[i], ":")
		full := env.PkgFile(pkg, p)
		sum, err := fileDigest(full)
		if err != nil {
			return fmt.Errorf("corpus file %s: %w", files[i], err)
		}
		var h *[8]pdq.Hash
		if kindOfExt(strings.TrimPrefix(strings.ToLower(path.Ext(p)), ".")) == "image" {
			if img, err := decodePicture(full); err == nil {
				hs, q := pdq.DihedralFromImage(imaging.Fit(img, 512, 512, imaging.Box))
				if q >= minQuality {
					h = &hs
				}
			}
		}
		mu.Lock()
		defer mu.Unlock()
		refs.digests[sum] = files[i]
		refs.dirs[pkg+":"+path.Dir(p)] = files[i]
		if h != nil {
			refs.hashes = append(refs.hashes, namedHashes8{files[i], *h})
		}
		return nil
	})
	sort.Slice(refs.hashes, func(i, j int) bool { return refs.hashes[i].name < refs.hashes[j].name })
	return refs, err
}

// nearest is the corpus picture nearest to h, and its distance.
func (c *corpusRefs) nearest(h pdq.Hash) (string, int) {
	best, name := 257, ""
	for _, r := range c.hashes {
		for _, x := range r.h {
			if d := pdq.Distance(h, x); d < best {
				best, name = d, r.name
			}
		}
	}
	return name, best
}

// ScanPool lists the pictures of the packages that are at least
// scaleMinSide on their short side, sorted by package and path.
func ScanPool(env *Env, pkgs []string) ([]PoolFile, error) {
	var out []PoolFile
	for _, pkg := range pkgs {
		root := env.PkgFile(pkg, "")
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			switch strings.ToLower(filepath.Ext(p)) {
			case ".jpg", ".jpeg", ".png", ".webp":
			default:
				return nil
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			cfg, _, err := image.DecodeConfig(f)
			f.Close()
			if err != nil || min(cfg.Width, cfg.Height) < scaleMinSide {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			out = append(out, PoolFile{Pkg: pkg, Path: filepath.ToSlash(rel), W: cfg.Width, H: cfg.Height})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name() < out[j].name() })
	for i := range out {
		sum, err := fileDigest(env.PkgFile(out[i].Pkg, out[i].Path))
		if err != nil {
			return nil, err
		}
		out[i].SHA256 = sum
	}
	return out, nil
}

// FilterPool leaves out the pool files that share a digest or a package
// directory with a corpus file, and exact duplicates within the pool.
func FilterPool(pool []PoolFile, digests map[string]string, dirs map[string]string, ex *Exclusions) []PoolFile {
	var out []PoolFile
	seen := map[string]string{}
	note := func(f PoolFile, why string) {
		if len(ex.Examples) < 12 {
			ex.Examples = append(ex.Examples, f.name()+": "+why)
		}
	}
	ex.Scanned += len(pool)
	for _, f := range pool {
		switch {
		case digests[f.SHA256] == f.name():
			ex.InCorpus++
		case digests[f.SHA256] != "":
			ex.SameDigest++
			note(f, "same digest as "+digests[f.SHA256])
		case dirs[f.Pkg+":"+path.Dir(f.Path)] != "":
			ex.Sibling++
		case seen[f.SHA256] != "":
			ex.Duplicate++
		default:
			seen[f.SHA256] = f.name()
			out = append(out, f)
		}
	}
	return out
}

func fileDigest(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func decodePicture(p string) (image.Image, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	return img, err
}

// scaleKey is the cache key of a distractor registry.
func scaleKey(pool []PoolFile, so ScaleOptions, cfg rules.Config) string {
	h := sha256.New()
	fmt.Fprintf(h, "recipe %d\nphotos %d clips %d seconds %d\nfingerprint %s\nsampling %+v\nmin_quality %d possible %d\n",
		scaleRecipe, so.Photos, so.Clips, scaleClipSeconds, fingerprint.Version(), cfg.Sampling, cfg.Thresholds.MinQuality, cfg.Thresholds.PossibleDistance)
	for _, f := range pool {
		fmt.Fprintf(h, "%s %s\n", f.name(), f.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// copyTransforms are the transformed copies of a pool picture, in turn.
var copyTransforms = []string{"crop", "half-size", "colour", "mirror", "jpeg-q30", "caption", "grayscale", "crop+mirror+colour"}

// TransformCopy makes copy k (k ≥ 1) of a picture: one of copyTransforms,
// chosen in turn from the picture's position so that neighbours differ,
// with parameters drawn from a seeded generator. It returns the picture,
// the JPEG quality to write it at and the transform's name.
func TransformCopy(img image.Image, pos, k int) (image.Image, int, string) {
	name := copyTransforms[(pos+k-1)%len(copyTransforms)]
	r := rand.New(rand.NewPCG(uint64(pos), uint64(k)))
	b := img.Bounds()
	crop := func(im image.Image) image.Image {
		fw, fh := 0.65+0.25*r.Float64(), 0.65+0.25*r.Float64()
		w, h := int(float64(b.Dx())*fw), int(float64(b.Dy())*fh)
		x, y := r.IntN(b.Dx()-w+1), r.IntN(b.Dy()-h+1)
		return imaging.Crop(im, image.Rect(x, y, x+w, y+h))
	}
	colour := func(im image.Image) image.Image {
		im = imaging.AdjustContrast(im, 10+20*r.Float64())
		im = imaging.AdjustSaturation(im, 20+30*r.Float64())
		return imaging.AdjustGamma(im, 0.8+0.3*r.Float64())
	}
	switch name {
	case "crop":
		return crop(img), 88, name
	case "half-size":
		return imaging.Resize(img, max(b.Dx()/2, 160), 0, imaging.Lanczos), 80, name
	case "colour":
		return colour(img), 88, name
	case "mirror":
		return imaging.FlipH(img), 88, name
	case "jpeg-q30":
		return img, 30, name
	case "caption":
		return captionBars(img, captions[(pos+k)%len(captions)]), 85, name
	case "grayscale":
		return imaging.Grayscale(img), 88, name
	default:
		return colour(imaging.FlipH(crop(img))), 75, name
	}
}

var captions = []string{"BREAKING: you will not believe this", "Share before they delete it", "This is what they hide",
	"Real footage, no edit", "Wow... just wow", "Look closely at this"}

// captionBars puts white bars above and below the picture, with black text
// in the top one.
func captionBars(img image.Image, text string) image.Image {
	b := img.Bounds()
	bar := max(b.Dy()/7, 24)
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()+2*bar))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(out, image.Rect(0, bar, b.Dx(), bar+b.Dy()), img, b.Min, draw.Src)
	// The text, drawn at basicfont's 7×13 and scaled to half the bar.
	face := basicfont.Face7x13
	tw := font.MeasureString(face, text).Ceil()
	t := image.NewRGBA(image.Rect(0, 0, tw+4, 15))
	draw.Draw(t, t.Bounds(), image.White, image.Point{}, draw.Src)
	d := font.Drawer{Dst: t, Src: image.NewUniform(color.Black), Face: face, Dot: fixed.P(2, 12)}
	d.DrawString(text)
	th := bar / 2
	sw := min(tw*th/15, b.Dx()*9/10)
	scaled := imaging.Resize(t, sw, th, imaging.Linear)
	x := (b.Dx() - sw) / 2
	draw.Draw(out, image.Rect(x, bar/4, x+sw, bar/4+th), scaled, image.Point{}, draw.Src)
	return out
}

func writeJPEG(p string, img image.Image, q int) error {
	tmp := p + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: q}); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, p)
}

// clipArgs are ffmpeg's arguments for distractor clip j over one or two
// pictures: a pan, a zoom in, a cut between two pans, a zoom out and a cut.
func clipArgs(j int, a, b, out string) []string {
	n := scaleClipSeconds * 25
	fit := "scale=1280:720:force_original_aspect_ratio=increase,crop=1280:720"
	pan := func(in, label string, frames int) string {
		return fmt.Sprintf("[%s]%s,zoompan=z=1.2:x='(iw-iw/zoom)*on/%d':y='(ih-ih/zoom)/2':d=%d:s=640x360:fps=25,setsar=1[%s]", in, fit, frames, frames, label)
	}
	zoom := func(in, label, z string, frames int) string {
		return fmt.Sprintf("[%s]%s,zoompan=z='%s':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=%d:s=640x360:fps=25,setsar=1[%s]", in, fit, z, frames, label)
	}
	var args []string
	var graph string
	switch j % 4 {
	case 0:
		args = []string{"-i", a}
		graph = pan("0:v", "v", n)
	case 1:
		args = []string{"-i", a}
		graph = zoom("0:v", "v", "1+0.004*on", n)
	case 2:
		args = []string{"-i", a, "-i", b}
		graph = pan("0:v", "p0", n/2) + ";" + pan("1:v", "p1", n/2) + ";[p0][p1]concat=n=2:v=1:a=0[v]"
	default:
		args = []string{"-i", b, "-i", a}
		graph = zoom("0:v", "p0", "1.4-0.008*on", n/2) + ";" + pan("1:v", "p1", n/2) + ";[p0][p1]concat=n=2:v=1:a=0[v]"
	}
	return append(args, "-filter_complex", graph+";[v]format=yuv420p[o]", "-map", "[o]", "-an",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "23", out)
}

// Distractors builds (or finds in the cache) the distractor registry and
// returns its path and stats. plan is the full corpus (every kind).
func Distractors(ctx context.Context, env *Env, plan Plan, cfg rules.Config, so ScaleOptions, workers int, log *slog.Logger) (string, *ScaleStats, error) {
	if err := env.FetchPackages(ctx, DistractorPackages); err != nil {
		return "", nil, err
	}
	refs, err := scanCorpus(ctx, env, plan, cfg.Thresholds.MinQuality)
	if err != nil {
		return "", nil, err
	}
	all, err := ScanPool(env, DistractorPackages)
	if err != nil {
		return "", nil, err
	}
	var ex Exclusions
	pool := FilterPool(all, refs.digests, refs.dirs, &ex)
	key := scaleKey(pool, so, cfg)
	dir := filepath.Join(env.Work, "scale")
	regPath := filepath.Join(dir, "registry-"+key+".db")
	statsPath := filepath.Join(dir, "registry-"+key+".json")
	if b, err := os.ReadFile(statsPath); err == nil {
		var st ScaleStats
		if json.Unmarshal(b, &st) == nil && st.Key == key {
			if _, err := os.Stat(regPath); err == nil {
				log.Info("distractor registry from the cache", "path", regPath, "photos", st.Photos, "clips", st.Clips)
				return regPath, &st, nil
			}
		}
	}
	log.Info("building the distractor registry", "pool", len(pool), "photos", so.Photos, "clips", so.Clips, "key", key)
	t0 := time.Now()
	st := &ScaleStats{Key: key, Packages: map[string]string{}, Origins: map[string]string{}, ClipSeconds: scaleClipSeconds}
	for _, p := range DistractorPackages {
		st.Packages[p] = env.Versions()[p]
	}
	mediaDir := filepath.Join(dir, "media")
	if err := os.MkdirAll(mediaDir, 0o755); err != nil {
		return "", nil, err
	}

	// The pictures as shipped (at most 2048 px), checked against the
	// corpus by PDQ; those too near a corpus picture are left out, with
	// everything that would be made from them.
	bases := make([]string, len(pool))
	near := make([]string, len(pool))
	step := progress(log, "distractor pictures", len(pool))
	if err := parallel(ctx, workers, len(pool), func(i int) error {
		defer step()
		f := pool[i]
		out := filepath.Join(mediaDir, fmt.Sprintf("base-%s.jpg", f.SHA256[:16]))
		img, err := decodePicture(env.PkgFile(f.Pkg, f.Path))
		if err != nil {
			near[i] = "undecodable"
			return nil
		}
		if max(img.Bounds().Dx(), img.Bounds().Dy()) > maxPhotoSide {
			img = imaging.Fit(img, maxPhotoSide, maxPhotoSide, imaging.Lanczos)
		}
		h, _ := pdq.FromImage(imaging.Fit(img, 512, 512, imaging.Box))
		if name, d := refs.nearest(h); d <= cfg.Thresholds.PossibleDistance {
			near[i] = fmt.Sprintf("PDQ %d bits from %s", d, name)
			return nil
		}
		if _, err := os.Stat(out); err != nil {
			if err := writeJPEG(out, flatten(img), 90); err != nil {
				return err
			}
		}
		bases[i] = out
		return nil
	}); err != nil {
		return "", nil, err
	}
	var kept []int
	for i := range pool {
		switch {
		case near[i] == "undecodable":
			ex.Undecodable++
		case near[i] != "":
			ex.NearDuplicate++
			if len(ex.Examples) < 24 {
				ex.Examples = append(ex.Examples, pool[i].name()+": "+near[i])
			}
		default:
			kept = append(kept, i)
		}
	}
	ex.Kept = len(kept)
	st.Exclusions = ex
	if len(kept) == 0 {
		return "", nil, errors.New("scale: no pool picture left for distractors")
	}
	log.Info("distractor pool", "scanned", ex.Scanned, "kept", ex.Kept, "same digest", ex.SameDigest, "sibling", ex.Sibling,
		"duplicate", ex.Duplicate, "near duplicate", ex.NearDuplicate)

	// The media: photos (each kept picture in turn, then its copies),
	// then clips.
	var ds []distractor
	P := len(kept)
	for i := 0; i < so.Photos; i++ {
		pos, k := i%P, i/P
		f := pool[kept[pos]]
		base := bases[kept[pos]]
		id := fmt.Sprintf("d-p%05d", i+1)
		if k == 0 {
			ds = append(ds, distractor{ID: id, Origin: f.name(), Path: base})
			continue
		}
		name := copyTransforms[(pos+k-1)%len(copyTransforms)]
		out := filepath.Join(mediaDir, fmt.Sprintf("copy-%s-%d-%d.jpg", f.SHA256[:16], scaleRecipe, k))
		ds = append(ds, distractor{ID: id, Origin: f.name() + " (" + name + ")", Path: out, make: func(ctx context.Context) error {
			img, err := decodePicture(base)
			if err != nil {
				return err
			}
			c, q, _ := TransformCopy(img, pos, k)
			return writeJPEG(out, c, q)
		}})
	}
	for j := 0; j < so.Clips; j++ {
		a, b := kept[(j*7)%P], kept[(j*7+P/2+1)%P]
		id := fmt.Sprintf("d-c%05d", j+1)
		out := filepath.Join(mediaDir, fmt.Sprintf("clip-%d-%d-%s-%s.mp4", scaleRecipe, j%4, pool[a].SHA256[:12], pool[b].SHA256[:12]))
		origin := fmt.Sprintf("%ds clip over %s", scaleClipSeconds, pool[a].name())
		if j%4 >= 2 {
			origin += " and " + pool[b].name()
		}
		ba, bb := bases[a], bases[b]
		ds = append(ds, distractor{ID: id, Origin: origin, Path: out, make: func(ctx context.Context) error {
			tmp := filepath.Join(mediaDir, ".tmp-"+filepath.Base(out))
			if err := ffmpeg(ctx, clipArgs(j, ba, bb, tmp)...); err != nil {
				os.Remove(tmp)
				return err
			}
			return os.Rename(tmp, out)
		}})
	}

	// Register into a new file, renamed into place when complete.
	tmpReg := regPath + ".tmp"
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(tmpReg + suffix)
	}
	rcfg := cfg
	rcfg.Registry = tmpReg
	e, err := engine.New(ctx, rcfg, engine.Options{})
	if err != nil {
		return "", nil, err
	}
	var frames, views atomic.Int64
	var mu sync.Mutex
	step = progress(log, "register distractors", len(ds))
	err = parallel(ctx, workers, len(ds), func(i int) error {
		defer step()
		d := ds[i]
		if d.make != nil {
			if _, err := os.Stat(d.Path); err != nil {
				if err := d.make(ctx); err != nil {
					return fmt.Errorf("distractor %s (%s): %w", d.ID, d.Origin, err)
				}
			}
		}
		m, err := e.MediaFromFile(ctx, d.Path, d.Origin)
		if err != nil {
			return fmt.Errorf("registering distractor %s (%s): %w", d.ID, d.Origin, err)
		}
		c := registry.Case{ID: d.ID, Title: "distractor " + d.ID, Claim: "scale evaluation distractor: " + d.Origin, Rating: "False", Media: []registry.Media{m}}
		if _, err := e.Store().Upsert(ctx, c); err != nil {
			return fmt.Errorf("registering distractor %s: %w", d.ID, err)
		}
		frames.Add(int64(len(m.Fingerprint.Frames)))
		var v int
		for _, f := range m.Fingerprint.Frames {
			v += len(f.Views)
		}
		views.Add(int64(v))
		mu.Lock()
		st.Origins[d.ID] = d.Origin
		if strings.HasPrefix(d.ID, "d-c") {
			st.Clips++
		} else {
			st.Photos++
		}
		mu.Unlock()
		return nil
	})
	if err != nil {
		e.Close()
		return "", nil, err
	}
	st.Frames, st.Views = int(frames.Load()), int(views.Load())
	st.BuildSeconds = time.Since(t0).Seconds()
	ss, err := snapshotStats(ctx, e)
	if err != nil {
		e.Close()
		return "", nil, err
	}
	st.Hashes, st.LocalFrames, st.Descriptors, st.LocalBytes, st.HeapBytes = ss.hashes, ss.localFrames, ss.descriptors, ss.localBytes, ss.heap
	if err := e.Close(); err != nil {
		return "", nil, err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(tmpReg + suffix); err == nil {
			return "", nil, fmt.Errorf("scale: %s%s left after closing the registry", tmpReg, suffix)
		}
	}
	if fi, err := os.Stat(tmpReg); err == nil {
		st.DBBytes = fi.Size()
	}
	if err := os.Rename(tmpReg, regPath); err != nil {
		return "", nil, err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(statsPath, b, 0o644); err != nil {
		return "", nil, err
	}
	log.Info("distractor registry built", "path", regPath, "seconds", fmt.Sprintf("%.0f", st.BuildSeconds), "frames", st.Frames,
		"hashes", st.Hashes, "descriptors", st.Descriptors)
	return regPath, st, nil
}

// flatten draws a picture with transparency over white (as a JPEG
// re-upload of a PNG sticker would show it).
func flatten(img image.Image) image.Image {
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		return img
	}
	out := image.NewRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Over)
	return out
}

type snapStats struct {
	load                                    time.Duration
	cases, hashes, localFrames, descriptors int
	localBytes                              int64
	heap                                    uint64
}

// snapshotStats loads the registry's snapshot and measures it: how long
// loading took, its cases, index sizes and the heap it holds (after a
// collection, before and after; the collections are not in the load
// time). The engine keeps the snapshot for the checks.
func snapshotStats(ctx context.Context, e *engine.Engine) (snapStats, error) {
	before := heapInUse()
	t0 := time.Now()
	snap, err := e.Snapshot(ctx)
	if err != nil {
		return snapStats{}, err
	}
	s := snapStats{load: time.Since(t0), cases: snap.CaseCount(), hashes: snap.Index.Len()}
	if snap.Local != nil {
		s.localFrames = snap.Local.Frames()
		if ls, ok := snap.Local.(interface{ Stats() localindex.Stats }); ok {
			st := ls.Stats()
			s.descriptors, s.localBytes = st.Descriptors, st.Bytes
		}
	}
	after := heapInUse()
	if after > before {
		s.heap = after - before
	}
	return s, nil
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// peakRSS is the process's peak resident set size (Linux VmHWM), or 0.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb uint64
			if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb); err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// copyRegistry copies a closed SQLite registry file to dst (replacing it).
func copyRegistry(src, dst string) error {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if err := os.Remove(dst + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
