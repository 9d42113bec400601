package main

import (
	"fmt"
	"path"
	"strings"

	"github.com/provcheck/provcheck/internal/testmedia"
)

// The corpus is pinned here: Debian packages and the files taken from them,
// and the seeds of generated media. Licences allow local evaluation; none
// of these files is committed.

const (
	opencvData = "usr/share/doc/opencv-doc/examples/data/"
	skimage    = "usr/lib/python3/dist-packages/skimage/data/"
	imageioDir = "usr/lib/python3/dist-packages/imageio/resources/images/"
	gemData    = "usr/share/gem/examples/data/"
	lomiri     = "usr/share/backgrounds/"
	mate       = "usr/share/backgrounds/mate/"
	gnomeBG    = "usr/share/backgrounds/gnome/"
	ukui       = "usr/share/backgrounds/"
	plasma     = "usr/share/wallpapers/"
	stelLand   = "usr/share/stellarium/landscapes/"
	stelSky    = "usr/share/stellarium/skycultures/"
	marbleDoc  = "usr/share/doc/HTML/en/marble/"
)

// Plan is the corpus before preparation.
type Plan struct {
	Registered []*Item
	Negatives  []*Item
}

// Packages lists the Debian packages the plan needs, in order.
func (p Plan) Packages() []string {
	seen := map[string]bool{}
	var out []string
	for _, it := range append(append([]*Item{}, p.Registered...), p.Negatives...) {
		for _, pkg := range it.Pkgs {
			if !seen[pkg] {
				seen[pkg] = true
				out = append(out, pkg)
			}
		}
	}
	return out
}

func registered(items ...*Item) []*Item {
	for _, it := range items {
		it.Registered = true
	}
	return items
}

func quick(it *Item) *Item { it.Quick = true; return it }

func photos(prefix, pkg, dir string, names ...string) []*Item {
	var out []*Item
	for _, n := range names {
		out = append(out, debPhoto(prefix+"-"+slug(n), pkg, dir+n))
	}
	return out
}

// slug turns a file name into an id part: lower case, no extension.
func slug(name string) string {
	base := path.Base(name)
	base = base[:len(base)-len(path.Ext(base))]
	b := []byte{}
	for _, c := range []byte(base) {
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
		default:
			if len(b) > 0 && b[len(b)-1] != '-' {
				b = append(b, '-')
			}
		}
	}
	return string(b)
}

// DebianPlan is the real corpus: media from Debian packages plus generated
// clips, cards and pictures.
func DebianPlan() Plan {
	var p Plan
	// Registered videos: real clips (a 20 s excerpt of the longer one),
	// slow pans over real photos, and generated clips (one portrait).
	p.Registered = append(p.Registered, registered(
		debVideo("v-vtest", "opencv-doc", opencvData+"vtest.avi", 10, 20),
		debVideo("v-tree", "opencv-doc", opencvData+"tree.avi", 0, 0),
		quick(debVideo("v-megamind", "opencv-doc", opencvData+"Megamind.avi", 0, 0)),
		quick(debVideo("v-cockatoo", "python3-imageio", imageioDir+"cockatoo.mp4", 0, 0)),
		debVideo("v-homer", "gem-doc", gemData+"homer.avi", 0, 0),
		panVideo("v-pan-lomiri", "lomiri-wallpapers-16.04", []string{lomiri + "Picture_0B_by_freespace.jpg", lomiri + "free_by_Peter_Nerlich.jpg"}, 5),
		panVideo("v-pan-mate", "mate-backgrounds", []string{mate + "nature/Blinds.jpg", mate + "nature/GreenMeadow.jpg", mate + "nature/Wood.jpg"}, 4),
		quick(genVideo("v-gen-1", testmedia.VideoSpec{Seed: 101, W: 640, H: 360, FPS: 25, Seconds: 15, Scene: 4})),
		genVideo("v-gen-2", testmedia.VideoSpec{Seed: 102, W: 640, H: 360, FPS: 30, Seconds: 12, Scene: 3}),
		genVideo("v-gen-3", testmedia.VideoSpec{Seed: 103, W: 854, H: 480, FPS: 25, Seconds: 20, Scene: 5}),
		genVideo("v-gen-portrait", testmedia.VideoSpec{Seed: 104, W: 360, H: 640, FPS: 30, Seconds: 12, Scene: 4}),
	)...)
	// Registered low-detail footage, made from OpenCV stills nothing else
	// in the corpus uses (their stereo pair right.jpg is left out too): a
	// dim photo of books on a floor panned and graded to night (PDQ
	// quality about 48-59, around min_quality), and a small object on a
	// plain white ground, drifting and zooming slowly (the object a tenth
	// of the frame; quality about 55-69).
	p.Registered = append(p.Registered, registered(
		stillClip("v-night-books", "low detail", "opencv-doc", opencvData+"left.jpg", 10,
			"scale=1280:720:force_original_aspect_ratio=increase,crop=1280:720,"+
				"zoompan=z='1.1+0.001*on':x='(iw-iw/zoom)*on/250':y='(ih-ih/zoom)/2':d=250:s=960x540:fps=25,"+
				"eq=brightness=-0.3:contrast=0.3:gamma=0.8:saturation=0.5,colorbalance=bs=0.06:bm=0.04,noise=alls=5:allf=t,format=yuv420p"),
		stillClip("v-plain-robot", "low detail", "opencv-doc", opencvData+"ml.png", 8,
			"scale=-2:240,pad=1056:594:(ow-iw)/2:(oh-ih)/2:color=white,"+
				"zoompan=z='1+0.0008*on':x='iw/2-(iw/zoom/2)+sin(on/40)*iw/25':y='ih/2-(ih/zoom/2)':d=200:s=960x540:fps=25,"+
				"noise=alls=3:allf=t,format=yuv420p"),
	)...)

	// Registered images: 30 real photographs.
	var imgs []*Item
	imgs = append(imgs, photos("i-lomiri", "lomiri-wallpapers-16.04", lomiri,
		"Bridge_by_Sander_Klootwijk.jpg", "Dragonfly_by_Bolly.jpg", "Picture_1A_by_freespace.jpg", "Wine_by_Jakkub_Mede.jpg",
		"aitzgorri_by_Aitzol_Berasategi.jpg", "friends_by_Aitzol_Berasategi.jpg", "greentock_by_Peter_Nerlich.jpg",
		"life_by_Aitzol_Berasategi.jpg", "picosdeeuropa_by_Aitzol_Berasategi.jpg", "seeding_by_Clements_Engelhardt.jpg",
		"sunset_by_Aitzol_Berasategi.jpg")...)
	imgs = append(imgs, photos("i-mate", "mate-backgrounds", mate+"nature/",
		"Aqua.jpg", "Dune.jpg", "FreshFlower.jpg", "LadyBird.jpg", "RainDrops.jpg", "Storm.jpg", "TwoWings.jpg", "YellowFlower.jpg")...)
	imgs = append(imgs, photos("i-skimage", "python3-skimage", skimage,
		"astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png")...)
	imgs = append(imgs, photos("i-opencv", "opencv-doc", opencvData,
		"baboon.jpg", "messi5.jpg", "fruits.jpg", "building.jpg", "home.jpg", "HappyFish.jpg")...)
	for _, id := range []string{"i-lomiri-bridge-by-sander-klootwijk", "i-mate-aqua", "i-mate-storm", "i-skimage-astronaut", "i-skimage-chelsea", "i-opencv-baboon"} {
		for _, it := range imgs {
			if it.ID == id {
				it.Quick = true
			}
		}
	}
	p.Registered = append(p.Registered, registered(imgs...)...)

	// Negatives: real photos and graphics not registered (siblings of
	// registered media — stereo pairs, other sizes — are left out, since
	// matching them would be right), frames of unrelated real videos,
	// same-style clips, flat graphics, title cards and dark scenes.
	neg := func(items ...*Item) { p.Negatives = append(p.Negatives, items...) }
	neg(photos("n-lomiri", "lomiri-wallpapers-16.04", lomiri, "analogpattern_by_Peter_Nerlich.jpg", "umang_by_Abhishek_Mudgal.jpg")...)
	neg(photos("n-lomiri20", "lomiri-wallpapers-20.04", lomiri, "Fossa_by_Jasper_Roks.jpg", "Infinite-Sea_by_Aury88.jpg",
		"Kleiber_by_Lukas_Baubkus.jpg", "Painting-Colors_by__herobrine7gamer.jpg")...)
	neg(category("flat graphic", photos("n-ukui", "ukui-wallpapers", ukui, "2004default.jpg", "calla.png", "city.png", "desert.png",
		"firstgeneration.jpg", "fluent-color.png", "focal-ubuntukylin.png", "goldfish.png", "rhythm.jpg", "rollpaper.png",
		"string.jpg", "the-mouse.jpg"))...)
	neg(photos("n-mate", "mate-backgrounds", mate+"nature/", "Garden.jpg")...)
	neg(category("flat graphic", photos("n-mate", "mate-backgrounds", mate,
		"abstract/Elephants.jpg", "abstract/Flow.png", "abstract/Gulp.png", "abstract/Silk.png", "abstract/Spring.png",
		"abstract/Waves.png", "abstract/Arc-Colors-Transparent-Wallpaper.png", "desktop/Float-into-MATE.png",
		"desktop/GreenTraditional.jpg", "desktop/MATE-Stripes-Dark.png", "desktop/Stripes.png",
		"desktop/Ubuntu-Mate-Cold-no-logo.png", "desktop/Ubuntu-Mate-Warm-no-logo.png"))...)
	neg(category("flat graphic", photos("n-gnome", "gnome-backgrounds", gnomeBG, "adwaita-d.webp", "adwaita-l.webp", "grid-d.webp",
		"licorice-l.webp", "pixels-d.webp", "symbolic-l.webp", "truchet-d.webp", "wood-l.webp"))...)
	neg(photos("n-skimage", "python3-skimage", skimage, "camera.png", "hubble_deep_field.jpg", "retina.jpg", "brick.png",
		"grass.png", "gravel.png", "coins.png", "moon.png", "page.png", "text.png", "ihc.png", "cell.png", "color.png",
		"logo.png", "clock_motion.png", "horse.png", "phantom.png")...)
	neg(photos("n-opencv", "opencv-doc", opencvData, "apple.jpg", "orange.jpg", "butterfly.jpg", "aero1.jpg", "leuvenA.jpg",
		"graf1.png", "board.jpg", "stuff.jpg", "squirrel_cls.jpg", "starry_night.jpg", "chicky_512.png", "smarties.png",
		"sudoku.png", "licenseplate_motion.jpg", "text_motion.jpg", "pca_test1.jpg", "ela_original.jpg",
		"Blender_Suzanne1.jpg", "left01.jpg", "left04.jpg", "left07.jpg", "right02.jpg", "right12.jpg", "box_in_scene.png",
		"basketball1.png", "rubberwhale1.png", "aloeL.jpg", "pic1.png", "pic3.png", "pic5.png", "LinuxLogo.jpg",
		"WindowsLogo.jpg", "opencv-logo.png", "detect_blob.png", "ellipses.jpg", "notes.png", "imageTextN.png",
		"cards.png", "blox.jpg")...)
	neg(
		debFiltered("n-dark-stuff", "dark", "opencv-doc", opencvData+"stuff.jpg", nil, "eq=brightness=-0.35:contrast=0.5", "jpg"),
		debFiltered("n-dark-garden", "dark", "mate-backgrounds", mate+"nature/Garden.jpg", nil, "scale=1280:-2,eq=brightness=-0.4:contrast=0.4", "jpg"),
		debFiltered("n-dark-kleiber", "dark", "lomiri-wallpapers-20.04", lomiri+"Kleiber_by_Lukas_Baubkus.jpg", nil, "scale=1280:-2,eq=brightness=-0.3:contrast=0.6:gamma=0.6", "jpg"),
	)
	// Unrelated real videos, and frames and crops of them.
	neg(
		debVideo("n-anim", "gem-doc", gemData+"anim-1.mov", 0, 0),
		debVideo("n-realshort", "python3-imageio", imageioDir+"realshort.mp4", 0, 0),
		debVideo("n-newtonscradle", "python3-imageio", imageioDir+"newtonscradle.gif", 0, 0),
		debVideo("n-dual-monitors", "gnome-user-docs", "usr/share/help/C/gnome-help/figures/display-dual-monitors.webm", 0, 0),
		debFiltered("n-anim-frame", "video frame", "gem-doc", gemData+"anim-1.mov", []string{"-ss", "1"}, "null", "jpg"),
		debFiltered("n-anim-crop", "video frame", "gem-doc", gemData+"anim-1.mov", []string{"-ss", "2"}, "crop=iw/2:ih/2:iw/4:ih/4", "png"),
		debFiltered("n-realshort-frame", "video frame", "python3-imageio", imageioDir+"realshort.mp4", []string{"-ss", "0.6"}, "null", "jpg"),
		debFiltered("n-dual-monitors-frame", "video frame", "gnome-user-docs", "usr/share/help/C/gnome-help/figures/display-dual-monitors.webm", []string{"-ss", "3"}, "null", "png"),
		debFiltered("n-newtonscradle-frame", "video frame", "python3-imageio", imageioDir+"newtonscradle.gif", []string{"-ss", "0.5"}, "null", "png"),
		panVideo("n-pan-mate", "mate-backgrounds", []string{mate + "nature/Garden.jpg", mate + "abstract/Elephants.jpg"}, 5),
	)
	p.Negatives[len(p.Negatives)-1].Category = "same style"
	neg(generatedNegatives(30, 8)...)

	// More unrelated real pictures, from packages nothing else uses:
	// KDE Plasma's wallpapers (photographs and artwork, one size of
	// each), Stellarium's landscape panoramas (photographs) and
	// constellation art, and Marble's documentation screenshots; and
	// slow pans over pairs of the wallpapers.
	var plasmaItems []*Item
	for _, f := range plasmaNegatives {
		id := "n-plasma-" + slug(strings.SplitN(f, "/", 2)[0])
		if strings.Contains(f, "/images_dark/") {
			id += "-dark"
		}
		plasmaItems = append(plasmaItems, debPhoto(id, "plasma-workspace-wallpapers", plasma+f))
	}
	neg(plasmaItems...)
	neg(photos("n-stel-land", "stellarium-data", stelLand, landscapeNegatives...)...)
	var sky []*Item
	for _, f := range skycultureNegatives {
		dir, name, _ := strings.Cut(f, "/")
		sky = append(sky, debPhoto("n-stel-sky-"+slug(dir)+"-"+slug(name), "stellarium-data", stelSky+f))
	}
	neg(sky...)
	neg(category("flat graphic", photos("n-marble", "marble-data", marbleDoc, marbleNegatives...))...)
	for i := 0; i+1 < len(plasmaNegatives) && i < 16; i += 2 {
		it := panVideo(fmt.Sprintf("n-pan-plasma-%d", i/2+1), "plasma-workspace-wallpapers",
			[]string{plasma + plasmaNegatives[i], plasma + plasmaNegatives[i+1]}, 4)
		it.Category = "real photos, panned"
		neg(it)
	}
	return p
}

func category(c string, items []*Item) []*Item {
	for _, it := range items {
		it.Category = c
	}
	return items
}

// generatedNegatives are generated pictures and clips (the same style as
// the generated registered clips), title cards, flat graphics and dark
// scenes.
func generatedNegatives(pictures, clips int) []*Item {
	var out []*Item
	sizes := [][2]int{{1200, 800}, {800, 800}, {720, 1280}, {1600, 900}, {640, 480}}
	for i := 0; i < pictures; i++ {
		s := sizes[i%len(sizes)]
		out = append(out, genPicture(fmt.Sprintf("n-gen-pic-%02d", i+1), uint64(5001+i), s[0], s[1]))
	}
	for i := 0; i < clips; i++ {
		it := genVideo(fmt.Sprintf("n-gen-clip-%02d", i+1), testmedia.VideoSpec{Seed: uint64(6001 + i), W: 640, H: 360, FPS: 25, Seconds: 8, Scene: 3})
		it.Category = "same style"
		out = append(out, it)
	}
	title := func(text string) string {
		return "{bold}text='" + text + "':fontsize=h/9:fontcolor=white:x=(w-text_w)/2:y=(h-text_h)/2"
	}
	out = append(out,
		lavfi("n-card-breaking", "title card", "color=c=0xb00020:s=1280x720", "drawtext="+title("BREAKING NEWS"), 0, "jpg"),
		lavfi("n-card-subscribe", "title card", "color=c=0x101010:s=1080x1080", "drawtext="+title("SUBSCRIBE"), 0, "png"),
		lavfi("n-card-fact", "title card", "color=c=0x1e3a8a:s=1280x720", "drawtext="+title("FACT CHECK"), 0, "jpg"),
		lavfi("n-card-white", "title card", "color=c=white:s=720x1280", "drawtext={bold}text='Part 2':fontsize=h/12:fontcolor=black:x=(w-text_w)/2:y=(h-text_h)/2", 0, "jpg"),
		lavfi("n-card-intro", "title card", "color=c=0x202060:s=1280x720:r=25", "drawtext="+title("Daily News"), 4, "mp4"),
		lavfi("n-card-outro", "title card", "color=c=black:s=1280x720:r=25", "drawtext={font}text='Thanks for watching':fontsize=h/12:fontcolor=white:x=(w-text_w)/2:y=(h-text_h)/2", 4, "mp4"),
		lavfi("n-flat-bars", "flat graphic", "smptehdbars=s=1280x720", "", 0, "png"),
		lavfi("n-flat-bars-video", "flat graphic", "smptehdbars=s=1280x720:r=25", "", 4, "mp4"),
		lavfi("n-flat-testsrc", "flat graphic", "testsrc2=s=960x540:r=25", "", 6, "mp4"),
		lavfi("n-flat-gradient", "flat graphic", "gradients=s=1280x720:seed=7", "", 0, "png"),
		lavfi("n-flat-mandelbrot", "flat graphic", "mandelbrot=s=800x600", "", 0, "png"),
		lavfi("n-dark-noise", "dark", "color=c=0x050505:s=1280x720:r=25", "noise=alls=8:allf=t", 5, "mp4"),
		genFiltered("n-dark-clip-1", "dark", testmedia.VideoSpec{Seed: 7001, W: 640, H: 360, FPS: 25, Seconds: 8, Scene: 4}, "eq=brightness=-0.35:contrast=0.4"),
		genFiltered("n-dark-clip-2", "dark", testmedia.VideoSpec{Seed: 7002, W: 640, H: 360, FPS: 25, Seconds: 8, Scene: 8}, "eq=brightness=-0.45:contrast=0.3:gamma=0.7"),
		genFiltered("n-fade-clip", "dark", testmedia.VideoSpec{Seed: 7003, W: 640, H: 360, FPS: 25, Seconds: 8, Scene: 8}, "fade=t=in:st=0:d=3,fade=t=out:st=5:d=3"),
	)
	return out
}

// GeneratedPlan is a corpus made without downloads: generated clips and
// pictures, cards, graphics and dark scenes. The small form is for tests.
func GeneratedPlan(small bool) Plan {
	var p Plan
	nv, ni, np, nc := 10, 30, 120, 10
	vs := testmedia.VideoSpec{W: 640, H: 360, FPS: 25, Seconds: 12, Scene: 4}
	if small {
		nv, ni, np, nc = 1, 2, 2, 1
		vs = testmedia.VideoSpec{W: 320, H: 180, FPS: 25, Seconds: 5, Scene: 2.5}
	}
	for i := 0; i < nv; i++ {
		s := vs
		s.Seed = uint64(101 + i)
		p.Registered = append(p.Registered, quick(genVideo(fmt.Sprintf("v-gen-%d", i+1), s)))
	}
	for i := 0; i < ni; i++ {
		w, h := 1200, 800
		if small {
			w, h = 480, 320
		}
		p.Registered = append(p.Registered, quick(genPicture(fmt.Sprintf("i-gen-%d", i+1), uint64(201+i), w, h)))
	}
	registered(p.Registered...)
	if small {
		for i := 0; i < np; i++ {
			p.Negatives = append(p.Negatives, genPicture(fmt.Sprintf("n-gen-pic-%02d", i+1), uint64(5001+i), 480, 320))
		}
		s := vs
		s.Seed = 6001
		p.Negatives = append(p.Negatives, genVideo("n-gen-clip-01", s),
			lavfi("n-card-breaking", "title card", "color=c=0xb00020:s=640x360", "drawtext={bold}text='BREAKING NEWS':fontsize=h/9:fontcolor=white:x=(w-text_w)/2:y=(h-text_h)/2", 0, "jpg"),
			lavfi("n-dark-noise", "dark", "color=c=0x050505:s=320x180:r=25", "noise=alls=8:allf=t", 3, "mp4"))
		for _, it := range p.Negatives {
			it.Quick = true
		}
		return p
	}
	p.Negatives = generatedNegatives(np, nc)
	return p
}

// The further negatives' files (picked as every picture of at least
// 320 px on its short side, one size of each wallpaper).

var plasmaNegatives = []string{
	"Altai/contents/images/5120x2880.png", "Autumn/contents/images/2560x1600.jpg",
	"BytheWater/contents/images/2560x1600.jpg", "Canopee/contents/images/3840x2160.png",
	"Cascade/contents/images/3840x2160.png", "Cluster/contents/images/3840x2160.png",
	"ColdRipple/contents/images/2560x1600.jpg", "ColorfulCups/contents/images/2560x1600.jpg",
	"DarkestHour/contents/images/2560x1600.jpg", "Elarun/contents/images/2560x1600.png",
	"EveningGlow/contents/images/2560x1600.jpg", "FallenLeaf/contents/images/2560x1600.jpg",
	"Flow/contents/images/5120x2880.jpg", "Flow/contents/images_dark/5120x2880.jpg",
	"FlyingKonqui/contents/images/2560x1600.png", "Grey/contents/images/2560x1600.jpg",
	"Honeywave/contents/images/5120x2880.jpg", "IceCold/contents/images/5120x2880.png",
	"Kay/contents/images/5120x2880.png", "Kay/contents/images_dark/5120x2880.png",
	"Kite/contents/images/2560x1600.jpg", "Kokkini/contents/images/3840x2160.png",
	"MilkyWay/contents/images/5120x2880.png", "OneStandsOut/contents/images/2560x1600.jpg",
	"Opal/contents/images/3840x2160.png", "PastelHills/contents/images/3200x2000.jpg",
	"Patak/contents/images/5120x2880.png", "Patak/contents/images_dark/3840x2160.png",
	"Path/contents/images/2560x1600.jpg", "SafeLanding/contents/images/5120x2880.jpg",
	"Shell/contents/images/5120x2880.jpg", "Volna/contents/images/5120x2880.jpg",
	"summer_1am/contents/images/2560x1600.jpg",
}

var landscapeNegatives = []string{
	"garching/garching-gl1.png", "garching/garching-gl2.png", "garching/garching-gl3.png",
	"garching/garching-gl4.png", "garching/garching-ground3.png",
	"grossmugl/grossmugl_leeberg_crop11.25_2048.png", "grossmugl/grossmugl_leeberg_illum_crop0_2048.png",
	"guereins/guereinsb.png", "hurricane/hurricane1.png", "hurricane/hurricane2.png",
	"hurricane/hurricane3.png", "hurricane/hurricane4.png", "hurricane/hurricane5.png",
	"hurricane/hurricane6.png", "hurricane/hurricane7.png", "hurricane/hurricane8.png",
	"hurricane/hurricaneb.png", "mars/mars.png", "moon/apollo17.png", "ocean/ocean9.png",
	"trees/trees_512.png", "trees/trees_fog_512.png", "trees/trees_illum_512.png",
}

var marbleNegatives = []string{
	"configure-cacheproxy.png", "configure-dateandtime.png", "configure-navigation.png",
	"configure-plugins.png", "configure-routing.png", "configure-synchronization.png", "configure-view.png",
	"download-region-1.png", "download-region-2.png", "download-region-3.png", "mapview-1.png",
	"measure-1.png", "movie-1.png", "quick-1.png", "routing-1.png", "routing-2.png", "routing-3.png",
	"routing-4.png", "routing-5.png", "routing-6.png", "search-1.png", "search-2.png",
}

var skycultureNegatives = []string{
	"arabic_al-sufi/And.png", "arabic_al-sufi/Aql.png", "arabic_al-sufi/Aqr.png", "arabic_al-sufi/Arg.png",
	"arabic_al-sufi/Ari.png", "arabic_al-sufi/Aur.png", "arabic_al-sufi/Boo.png", "arabic_al-sufi/CMa.png",
	"arabic_al-sufi/CMi.png", "arabic_al-sufi/Cap.png", "arabic_al-sufi/Cas.png", "arabic_al-sufi/Cen.png",
	"arabic_al-sufi/Cep.png", "arabic_al-sufi/Cet.png", "arabic_al-sufi/Cnc.png", "arabic_al-sufi/Cyg.png",
	"arabic_al-sufi/Dol.png", "arabic_al-sufi/Dra.png", "arabic_al-sufi/Eri.png", "arabic_al-sufi/Gem.png",
	"arabic_al-sufi/Her.png", "arabic_al-sufi/Hyd.png", "arabic_al-sufi/Leo.png", "arabic_al-sufi/Lyr.png",
	"arabic_al-sufi/Oph.png", "arabic_al-sufi/Oph1.png", "arabic_al-sufi/Ori.png", "arabic_al-sufi/Peg.png",
	"arabic_al-sufi/Per.png", "arabic_al-sufi/Psc.png", "arabic_al-sufi/Sco.png", "arabic_al-sufi/Sgr.png",
	"arabic_al-sufi/Sufi_FishA.png", "arabic_al-sufi/Sufi_FishB.png", "arabic_al-sufi/Sufi_Horse.png",
	"arabic_al-sufi/Tau.png", "arabic_al-sufi/UMa.png", "arabic_al-sufi/UMi.png", "arabic_al-sufi/Vir.png",
	"boorong/berm.png", "boorong/bunya.png", "boorong/collenbit.png", "boorong/cwar.png",
	"boorong/cwarepil.png", "boorong/djuit.png", "boorong/gellarlec.png", "boorong/karik.png",
	"boorong/kourtchinl.png", "boorong/kourtchins.png", "boorong/kulkunbulla.png", "boorong/larnankurrk.png",
	"boorong/marpeank.png", "boorong/mindi.png", "boorong/neilloan.png", "boorong/otchocut.png",
	"boorong/purra.png", "boorong/tchingal.png", "boorong/totyarguil.png", "boorong/tourtbg.png",
	"boorong/unurgun.png", "boorong/wanjel.png", "boorong/war.png", "boorong/warepil.png",
	"boorong/weetkurrk.png", "boorong/won.png", "boorong/yerredkr.png", "boorong/yurree.png",
	"maya/Stellarium_11.png", "maya/sdc.png",
}
