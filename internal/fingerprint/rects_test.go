package fingerprint

import (
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/provcheck/provcheck/internal/picture"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/internal/views"
)

// photo returns a real photograph (from the PDQ reference images) scaled to
// w×h.
func photo(t testing.TB, name string, w, h int) *image.NRGBA {
	t.Helper()
	f, err := os.Open("../signal/pdq/testdata/images/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return imaging.Resize(img, w, h, imaging.Lanczos)
}

// textBlocks draws a few lines of word-like blocks in r, like the text of
// a caption or an interface: margins all round, words over at most about
// two thirds of each line.
func textBlocks(dst draw.Image, r image.Rectangle, c color.Color, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	lineH := min(24, max(8, r.Dy()/3))
	for y := r.Min.Y + lineH/2; y+lineH < r.Max.Y-lineH/2; y += lineH {
		x := r.Min.X + lineH
		end := r.Min.X + lineH + (r.Dx()-2*lineH)*(3+rng.IntN(4))/9
		for x < end {
			wd := lineH/2 + rng.IntN(3*lineH)
			draw.Draw(dst, image.Rect(x, y, min(end, x+wd), y+lineH*3/5), image.NewUniform(c), image.Point{}, draw.Src)
			x += wd + lineH/2
		}
	}
}

type layoutCase struct {
	name   string
	frame  image.Image
	inside image.Rectangle // where the picture is, in pixels
}

// layouts puts pic into the frames reposts use.
func layouts(t testing.TB, pic *image.NRGBA) []layoutCase {
	pw, ph := pic.Bounds().Dx(), pic.Bounds().Dy()
	var out []layoutCase
	paste := func(dst draw.Image, at image.Point) image.Rectangle {
		r := image.Rectangle{at, at.Add(image.Pt(pw, ph))}
		draw.Draw(dst, r, pic, image.Point{}, draw.Src)
		return r
	}
	{ // caption card: white bars with text above and below
		dst := image.NewNRGBA(image.Rect(0, 0, pw, ph+ph*2/5))
		draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
		r := paste(dst, image.Pt(0, ph/4))
		textBlocks(dst, image.Rect(0, 0, pw, ph/4), color.Black, 1)
		textBlocks(dst, image.Rect(0, r.Max.Y, pw, dst.Bounds().Dy()), color.Gray{60}, 2)
		out = append(out, layoutCase{"caption", dst, r})
	}
	{ // 9:16 frame on a blurred, enlarged copy of the picture
		fw := pw
		fh := fw * 16 / 9
		bg := imaging.Fill(pic, fw, fh, imaging.Center, imaging.Linear)
		dst := imaging.Blur(bg, 12)
		r := paste(dst, image.Pt(0, (fh-ph)/2))
		out = append(out, layoutCase{"blurred-background", dst, r})
	}
	{ // phone screenshot: black page, status bar, account, buttons
		fw := pw
		fh := max(fw*16/9, ph*7/4)
		dst := image.NewNRGBA(image.Rect(0, 0, fw, fh))
		draw.Draw(dst, dst.Bounds(), image.Black, image.Point{}, draw.Src)
		textBlocks(dst, image.Rect(0, 0, fw, fh/14), color.White, 3)
		r := paste(dst, image.Pt(0, fh/5))
		textBlocks(dst, image.Rect(0, r.Max.Y+fh/10, fw, fh), color.Gray{200}, 4)
		out = append(out, layoutCase{"phone", dst, r})
	}
	{ // desktop page: grey page, white panels with text, the picture in the middle one
		fw, fh := pw*2, ph+ph*3/5
		dst := image.NewNRGBA(image.Rect(0, 0, fw, fh))
		draw.Draw(dst, dst.Bounds(), image.NewUniform(color.NRGBA{238, 240, 244, 255}), image.Point{}, draw.Src)
		draw.Draw(dst, image.Rect(0, 0, fw, fh/12), image.NewUniform(color.NRGBA{24, 119, 242, 255}), image.Point{}, draw.Src)
		panel := func(r image.Rectangle, seed uint64) {
			draw.Draw(dst, r, image.White, image.Point{}, draw.Src)
			textBlocks(dst, image.Rect(r.Min.X+8, r.Min.Y+8, r.Max.X-8, r.Min.Y+fh/4), color.Gray{40}, seed)
		}
		x0 := (fw - pw) / 2
		panel(image.Rect(8, fh/9, x0-12, fh-8), 5)
		panel(image.Rect(x0+pw+12, fh/9, fw-8, fh-8), 6)
		draw.Draw(dst, image.Rect(x0-6, fh/9, x0+pw+6, fh-8), image.White, image.Point{}, draw.Src)
		r := paste(dst, image.Pt(x0, fh/9+fh/14))
		textBlocks(dst, image.Rect(x0, r.Max.Y+4, x0+pw, fh-10), color.Gray{70}, 7)
		out = append(out, layoutCase{"desktop-page", dst, r})
	}
	return out
}

// TestProposeRectsFindsPastedPicture: in each layout a repost uses, one of
// the proposals is the pasted picture to within a pixel or two, and its
// view hashes within match distance of the picture itself.
func TestProposeRectsFindsPastedPicture(t *testing.T) {
	pics := map[string]*image.NRGBA{
		"bridge":    photo(t, "bridge-mods__shrink-a-lot.png", 480, 320),
		"generated": imaging.Resize(testmedia.Picture(1, 480, 300), 480, 300, imaging.Linear),
		"portrait":  imaging.Resize(testmedia.Picture(2, 300, 420), 300, 420, imaging.Linear),
	}
	for src, pic := range pics {
		want, _ := pdq.NewHasher().FromImage(pic)
		for _, c := range layouts(t, pic) {
			t.Run(src+"/"+c.name, func(t *testing.T) {
				b := c.frame.Bounds()
				truth := picture.Rect{
					X0: float64(c.inside.Min.X) / float64(b.Dx()), Y0: float64(c.inside.Min.Y) / float64(b.Dy()),
					X1: float64(c.inside.Max.X) / float64(b.Dx()), Y1: float64(c.inside.Max.Y) / float64(b.Dy()),
				}
				props := picture.ProposeRects([]image.Image{c.frame}, picture.MaxProposals)
				found := false
				for _, r := range props {
					found = found || r.Near(truth, 2.5/float64(min(b.Dx(), b.Dy())))
				}
				if !found {
					t.Errorf("no proposal at %+v; got %+v", truth, props)
				}
				if os.Getenv("PROVCHECK_DUMP_LAYOUTS") != "" {
					imaging.Save(c.frame, "/tmp/layout-"+src+"-"+c.name+".png")
				}
				fp := FingerprintImage(c.frame, "png", views.QueryViews)
				best, name := 256, ""
				for _, v := range fp.Frames[0].Views {
					if d := pdq.Distance(v.PDQ, want); d < best {
						best, name = d, v.Name
					}
				}
				if best > 16 {
					t.Errorf("nearest view %q is %d bits from the picture; want ≤ 16", name, best)
				}
			})
		}
	}
}

// TestProposeRectsPlainInput: a frame that is all picture, all one colour,
// or tiny proposes nothing absurd and never the whole frame.
func TestProposeRectsPlainInput(t *testing.T) {
	flat := image.NewGray(image.Rect(0, 0, 640, 360))
	for i := range flat.Pix {
		flat.Pix[i] = 128
	}
	cases := map[string]image.Image{
		"photo": photo(t, "bridge-mods__shrink-a-lot.png", 640, 480),
		"flat":  flat,
		"tiny":  image.NewGray(image.Rect(0, 0, 9, 5)),
		"empty": image.NewGray(image.Rect(0, 0, 0, 0)),
	}
	for name, img := range cases {
		props := picture.ProposeRects([]image.Image{img}, picture.MaxProposals)
		if name != "photo" && len(props) != 0 {
			t.Errorf("%s: proposals %+v, want none", name, props)
		}
		if len(props) > picture.MaxProposals {
			t.Errorf("%s: %d proposals, over the limit %d", name, len(props), picture.MaxProposals)
		}
		for _, r := range props {
			if r.Near(picture.Full, 0.01) || r.Area() <= 0 || r.X0 < 0 || r.Y0 < 0 || r.X1 > 1 || r.Y1 > 1 {
				t.Errorf("%s: bad proposal %+v", name, r)
			}
		}
	}
}
