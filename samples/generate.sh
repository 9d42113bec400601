#!/usr/bin/env bash
# Regenerates the bundled demo media in samples/media/.
#
# The real NYPD–ICE Sora clip cannot be redistributed, so this script
# synthesises a stand-in clip from ffmpeg's built-in (lavfi) sources, a
# typical "viral repost" of it, an unrelated clip that must not match, and a
# JPEG screenshot of the repost. Only ffmpeg is needed.
#
# Usage: bash samples/generate.sh [output-dir]   (default: samples/media)
#
# Output is deterministic as far as ffmpeg allows: every random source has a
# fixed seed, encoders run with bitexact flags and a single thread, and
# container metadata is stripped.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/media}"
font="${FONT:-/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf}"
font_bold="${FONT_BOLD:-/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf}"

command -v ffmpeg >/dev/null 2>&1 || {
	echo "generate.sh: ffmpeg not found in PATH (Debian: apt-get install ffmpeg)" >&2
	exit 1
}

# Text is optional: without the DejaVu fonts (Debian: fonts-dejavu-core) the
# clips are rendered without the label and caption.
have_font=1
if [[ ! -r $font ]]; then
	echo "generate.sh: font $font not found; rendering WITHOUT the stand-in label and caption" >&2
	have_font=0
fi
[[ -r $font_bold ]] || font_bold="$font"

mkdir -p "$out"

# Flags shared by every ffmpeg run.
common=(-hide_banner -nostdin -loglevel error -y)
# Deterministic, metadata-free encoding.
bitexact=(-fflags +bitexact -flags:v +bitexact -map_metadata -1 -threads 1 -filter_threads 1)
h264=(-c:v libx264 -pix_fmt yuv420p -movflags +faststart -an)

fps=25
nf=60  # frames per scene

# A soft moving light: an RGBA disc whose alpha falls off from the centre.
# $1 = size in pixels, $2/$3/$4 = r/g/b.
glow() {
	local s=$1 r=$2 g=$3 b=$4
	printf "color=c=black:s=%dx%d:r=%d,format=rgba,geq=r=%d:g=%d:b=%d:a='255*max(0\\,1-hypot(X-%d\\,Y-%d)/%d)'" \
		"$s" "$s" "$fps" "$r" "$g" "$b" "$((s / 2))" "$((s / 2))" "$((s / 2))"
}

# Every scene ends in the same normalised shape so that concat accepts it.
norm="trim=end_frame=$nf,setpts=PTS-STARTPTS,fps=$fps,scale=640:360,setsar=1,format=yuv420p"

# --- The stand-in clip: five scenes, hard cuts, motion everywhere. ----------
#
# 1. Fractal "city lights": a Mandelbrot zoom, hue drifting over time, with a
#    hand-held camera pan (crop with t expressions) and two headlights
#    sweeping across.
s1="mandelbrot=s=960x540:r=$fps:maxiter=300:start_scale=1.2:end_scale=0.25:end_pts=$nf,
    hue=h=40*t:s=1.4,
    crop=640:360:x='160+140*sin(1.3*t)':y='90+70*cos(0.9*t)',
    eq=brightness=-0.05:contrast=1.2, gblur=sigma=1.2 [s1bg];
  $(glow 120 255 240 190) [s1a];
  $(glow 90 255 200 120) [s1b];
  [s1bg][s1a] overlay=x='-120+330*t':y='220+10*sin(6*t)' [s1c];
  [s1c][s1b] overlay=x='620-300*t':y='240', $norm [v1]"

# 2. "Crowd": Conway's life with mould, scaled up with hard pixels, blended
#    over a radial gradient; a slow, swaying push-in (zoompan) and a bright
#    bar crossing the frame like a passing bus.
s2="life=s=100x57:r=10:seed=4242:ratio=0.3:mold=20:life_color=#ffd27a:death_color=#0b1a2e:mold_color=#7a2f1c,
    fps=$fps, scale=800:456:flags=neighbor, format=gbrp [s2life];
  gradients=s=800x456:r=$fps:type=radial:n=3:c0=#1d4e89:c1=#f2a541:c2=#0a0a23:speed=0.03:seed=17, format=gbrp [s2grad];
  [s2life][s2grad] blend=all_mode=softlight,
    zoompan=z='1+0.004*on':x='iw/2-iw/zoom/2+40*sin(on/12)':y='ih/2-ih/zoom/2':d=1:s=640x360:fps=$fps, gblur=sigma=1 [s2bg];
  color=c=#e8e8f0:s=260x70:r=$fps [s2bus];
  [s2bg][s2bus] overlay=x='700-420*t':y='250', $norm [v2]"

# 3. "Surveillance monitor": testsrc2 rotating and panning, tinted green,
#    temporal grain, with a scrolling cellular-automaton strip along the
#    bottom.
s3="testsrc2=s=960x540:r=$fps,
    rotate=a='0.18*sin(1.7*t)':c=black,
    crop=640:360:x='160-150*cos(1.1*t)':y='90+60*sin(1.4*t)',
    colorchannelmixer=rr=0.3:rg=0.5:gg=0.9:gb=0.2:bb=0.4:bg=0.3,
    noise=alls=18:allf=t+u:all_seed=1234 [s3bg];
  cellauto=s=640x48:r=$fps:rule=30:seed=99:ratio=0.5, format=yuv420p, negate, lutyuv=y=val*0.7 [s3strip];
  [s3bg][s3strip] overlay=x=0:y=H-h, $norm [v3]"

# 4. "Traffic": a spiral gradient, vehicles (coloured blocks) moving at
#    different speeds, vignette and a fast hue swing.
s4="gradients=s=640x360:r=$fps:type=spiral:n=4:c0=#2b2d42:c1=#8d99ae:c2=#ef233c:c3=#edf2f4:speed=0.08:seed=5,
    hue=h=90*sin(t):s=1.2 [s4g];
  color=c=#101010:s=180x90:r=$fps [s4car1];
  color=c=#ffe066:s=120x60:r=$fps [s4car2];
  color=c=#3a86ff:s=220x110:r=$fps [s4car3];
  [s4g][s4car1] overlay=x='-180+400*t':y=200 [s4a];
  [s4a][s4car2] overlay=x='640-330*t':y=120 [s4b];
  [s4b][s4car3] overlay=x='-400+520*t':y='250+8*sin(9*t)',
    vignette=PI/4, $norm [v4]"

# 5. "Sirens at night": red and blue glows alternating over a dark street
#    (drawn at low resolution with geq, then scaled), silhouettes walking
#    through and a slow pan.
s5r='clip(30+200*(0.5+0.5*sin(2*PI*3*T))*exp(-(pow(X-60,2)+pow(Y-50,2))/900)+40*Y/H,0,255)'
s5g='clip(20+30*Y/H+25*sin(X/9+T)*sin(Y/7),0,255)'
s5b='clip(40+200*(0.5-0.5*sin(2*PI*3*T))*exp(-(pow(X-180,2)+pow(Y-50,2))/900)+50*Y/H,0,255)'
s5="color=c=black:s=240x136:r=$fps, format=gbrp,
    geq=r='$s5r':g='$s5g':b='$s5b',
    scale=800:452:flags=bicubic,
    crop=640:360:x='80+70*sin(0.8*t)':y='46+30*sin(1.2*t)' [s5bg];
  color=c=#050505:s=50x170:r=$fps [s5p1];
  color=c=#0a0a0a:s=60x190:r=$fps [s5p2];
  color=c=#151515:s=45x150:r=$fps [s5p3];
  [s5bg][s5p1] overlay=x='100+90*t':y=190 [s5a];
  [s5a][s5p2] overlay=x='520-110*t':y=170 [s5b];
  [s5b][s5p3] overlay=x='300+40*sin(3*t)':y=210,
    noise=alls=8:allf=t:all_seed=77, $norm [v5]"

label=""
if ((have_font)); then
	label=",drawtext=fontfile=$font:text='STAND-IN — not the real clip':fontsize=14:fontcolor=white@0.9:box=1:boxcolor=black@0.55:boxborderw=4:x=w-tw-10:y=h-th-10"
fi

standin_graph="$s1; $s2; $s3; $s4; $s5;
  [v1][v2][v3][v4][v5] concat=n=5:v=1:a=0 $label, format=yuv420p [out]"

echo "generate.sh: writing $out/nypd-ice-standin.mp4"
args=("${common[@]}" -filter_complex "$standin_graph" -map "[out]"
	"${h264[@]}" -preset slow -crf 28 -r "$fps" "${bitexact[@]}"
	"$out/nypd-ice-standin.mp4")
ffmpeg "${args[@]}"

# --- The viral repost. -------------------------------------------------------
#
# What a re-uploader typically does: trim to the "good part" (2.5 s → 10 s),
# mirror the picture (an old trick against matching), zoom in slightly, put
# the 16:9 picture on a 9:16 canvas filled with a blurred, enlarged copy of
# itself, add a caption bar, change the frame rate and re-encode at low
# quality.
caption=""
if ((have_font)); then
	caption=",drawtext=fontfile=$font_bold:text='BREAKING\:':fontsize=20:fontcolor=white:x=(w-tw)/2:y=112"
	caption+=",drawtext=fontfile=$font_bold:text='NYPD arrests ICE agents':fontsize=22:fontcolor=white:x=(w-tw)/2:y=140"
fi
repost_graph="[0:v] trim=start=2.5:end=10, setpts=PTS-STARTPTS, hflip, split [rbg][rfg];
  [rbg] scale=-2:640, crop=360:640, gblur=sigma=18, eq=brightness=-0.08:saturation=0.8 [rbgb];
  [rfg] crop=iw*0.92:ih*0.92, scale=360:-2 [rfgs];
  [rbgb][rfgs] overlay=x=0:y=(H-h)/2,
    drawbox=x=0:y=100:w=iw:h=72:color=black@0.85:t=fill $caption,
    fps=30, setsar=1, format=yuv420p [out]"

echo "generate.sh: writing $out/nypd-ice-repost.mp4"
args=("${common[@]}" -i "$out/nypd-ice-standin.mp4" -filter_complex "$repost_graph" -map "[out]"
	"${h264[@]}" -preset medium -crf 32 -r 30 "${bitexact[@]}"
	"$out/nypd-ice-repost.mp4")
ffmpeg "${args[@]}"

# --- An unrelated clip that must not match. ----------------------------------
#
# Different sources, palette and motion: a Sierpinski triangle drifting and
# changing colour, a sine plasma, then a scrolling rule-90 automaton with a
# bouncing light.
u1="sierpinski=s=640x360:r=$fps:type=triangle:seed=31337:jump=40,
    lutrgb=r=val*0.3:g=val*0.8:b=val, hue=h=120*t, trim=end_frame=80, setpts=PTS-STARTPTS, setsar=1, format=yuv420p [u1]"
u2="color=c=black:s=160x90:r=$fps, format=gbrp,
    geq=r='128+127*sin(X/8+2*T)':g='128+100*sin(Y/6-3*T)*cos(X/20)':b='128+127*sin((X+Y)/10+T)',
    scale=640:360:flags=bicubic, trim=end_frame=60, setpts=PTS-STARTPTS, setsar=1, format=yuv420p [u2]"
u3="cellauto=s=160x90:r=$fps:rule=90:seed=2024:ratio=0.4, trim=start_frame=100, setpts=PTS-STARTPTS,
    scale=640:360:flags=neighbor, format=rgb24, lutrgb=r=val*0.9:g=val*0.2:b=val*0.6 [u3bg];
  $(glow 140 120 255 200) [u3g];
  [u3bg][u3g] overlay=x='250+230*sin(3*t)':y='110+100*abs(cos(4*t))',
    trim=end_frame=60, setpts=PTS-STARTPTS, setsar=1, format=yuv420p [u3]"
unrelated_graph="$u1; $u2; $u3; [u1][u2][u3] concat=n=3:v=1:a=0, format=yuv420p [out]"

echo "generate.sh: writing $out/unrelated.mp4"
args=("${common[@]}" -filter_complex "$unrelated_graph" -map "[out]"
	"${h264[@]}" -preset slow -crf 28 -r "$fps" "${bitexact[@]}"
	"$out/unrelated.mp4")
ffmpeg "${args[@]}"

# --- A forwarded screenshot of the repost. ----------------------------------
#
# One frame at 5 s, saved as a baseline JPEG. ffmpeg's MJPEG encoder has no
# libjpeg-style quality setting: its tables are the MPEG-1 intra matrix scaled
# by q/8. At -q:v 11 the average quantiser step matches libjpeg quality ~60.
echo "generate.sh: writing $out/screenshot.jpg"
args=("${common[@]}" -ss 5 -i "$out/nypd-ice-repost.mp4" -frames:v 1
	-c:v mjpeg -pix_fmt yuvj420p -q:v 11 "${bitexact[@]}" -update 1
	"$out/screenshot.jpg")
ffmpeg "${args[@]}"

du -ch "$out"/nypd-ice-standin.mp4 "$out"/nypd-ice-repost.mp4 "$out"/unrelated.mp4 "$out"/screenshot.jpg
