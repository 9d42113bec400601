#!/usr/bin/env bash
# Regenerates the bundled demo media in samples/media/.
#
# The real NYPD–ICE Sora clip cannot be redistributed, so this script
# synthesises a stand-in clip from ffmpeg's built-in (lavfi) sources, a
# typical "viral repost" of it, an unrelated clip that must not match, and a
# JPEG screenshot of the repost. Only ffmpeg is needed.
#
# The clips are meant to behave like camera footage under a perceptual hash:
# detailed, textured backgrounds drawn once as stills (geq drawings, frozen
# life / cellauto / sierpinski patterns, a Mandelbrot still), slow camera
# moves (pans of about half a pixel per frame, slow zooms), a few objects
# moving at walking pace, small flashing lights, hard cuts between scenes.
# Nothing changes the whole picture from one frame to the next.
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
# Deterministic, metadata-free encoding. Runs that read a clip also put
# -threads 1 before -i, so that it is decoded on a single thread too.
bitexact=(-fflags +bitexact -flags:v +bitexact -map_metadata -1 -threads 1 -filter_threads 1)
h264=(-c:v libx264 -pix_fmt yuv420p -movflags +faststart -an)

fps=25

# --- Drawing helpers. ---------------------------------------------------------
#
# Every scene's background is drawn once at 960x540 (geq, sometimes over a
# frozen frame of a lavfi pattern), scaled to a 1600x900 canvas and repeated
# as a still. Sprites (people, vehicles, lights) move over the canvas and a
# virtual camera (zoompan, or a fixed crop) renders 640x360 from it, so
# movement is smooth to a fraction of an output pixel.

# H X: a pseudo-random value in [0,1) derived from the expression X (the
# usual shader hash, deterministic in ffmpeg's expression evaluator).
H() { echo "mod(abs(sin($1)*43758.5453),1)"; }

# paint PRE DEFAULT LAYER...: geq options colouring each pixel by the first
# layer whose condition holds. DEFAULT and the colour of each layer are
# "r|g|b"; a layer is "cond|r|g|b". PRE (st() assignments) runs first.
paint() {
	local pre=$1 def=$2 ch e i rest
	shift 2
	local -a layers=("$@") names=(r g b) opts=()
	for ch in 0 1 2; do
		IFS='|' read -r -a rest <<<"$def"
		e=${rest[ch]}
		for ((i = ${#layers[@]} - 1; i >= 0; i--)); do
			IFS='|' read -r -a rest <<<"${layers[i]}"
			e="if(${rest[0]},${rest[ch + 1]},$e)"
		done
		opts+=("${names[ch]}='$pre$e'")
	done
	local IFS=:
	echo "geq=${opts[*]}"
}

# sprite W H ALPHA DEFAULT LAYER...: an RGBA sprite (transparent where
# ALPHA, a 0..1 expression, is 0) painted like paint. With still=1 in the
# environment it is drawn once and repeated (for sprites that do not change).
sprite() {
	local w=$1 h=$2 a=$3
	shift 3
	printf "color=c=black:s=%dx%d:r=%d%s, format=rgba, %s:a='255*clip(%s,0,1)'%s" "$w" "$h" "$fps" "${still:+:d=0.04}" "$(paint "" "$@")" "$a" "${still:+, loop=loop=-1:size=1, setpts=N/($fps*TB)}"
}

# person R G B PHASE HZ: a silhouette, 80x220, walking with HZ steps per
# second (0 = standing still; PHASE then sets the stance).
person() {
	local sw="16*sin(2*PI*$5*T+$4)"
	sprite 80 220 "lt(hypot(X-40,Y-22),17)+between(X,18,62)*between(Y,40,128)+lt(abs(X-(30+($sw)*(Y-128)/92)),9)*between(Y,128,219)+lt(abs(X-(50-($sw)*(Y-128)/92)),9)*between(Y,128,219)+between(X,9,17)*between(Y,46,122)+between(X,63,71)*between(Y,46,122)" "$1|$2|$3"
}
# officer PHASE HZ: a dark-blue uniformed silhouette with a peaked cap and a
# lighter badge and belt, 80x220.
officer() {
	local sw="14*sin(2*PI*$2*T+$1)"
	sprite 80 220 "lt(hypot(X-40,Y-24),16)+between(X,20,60)*between(Y,2,14)+between(X,16,70)*between(Y,12,16)+between(X,16,64)*between(Y,40,128)+lt(abs(X-(30+($sw)*(Y-128)/92)),9)*between(Y,128,219)+lt(abs(X-(50-($sw)*(Y-128)/92)),9)*between(Y,128,219)+between(X,7,16)*between(Y,46,122)+between(X,64,73)*between(Y,46,122)" \
		"20|26|52" "lt(Y,16)|12|16|34" "lt(Y,40)*gt(Y,14)|150|120|100" "between(Y,100,107)*between(X,16,64)|10|10|10" "between(X,22,30)*between(Y,56,64)|210|180|70"
}
# glow S R G B: a soft disc of light, SxS.
glow() {
	sprite "$1" "$1" "1-hypot(X-$(($1 / 2)),Y-$(($1 / 2)))/$(($1 / 2))" "$2|$3|$4"
}
# car R G B [police]: a saloon car side-on, 300x110; a police car has a
# stripe and a red/blue light bar alternating twice a second.
car() {
	local lights=() bar=0
	if [[ ${4:-} == police ]]; then
		bar=1
		lights=("lt(Y,14)*lt(X,150)|255*lt(mod(T,0.5),0.25)+40|20|20" "lt(Y,14)|20|30|255*gte(mod(T,0.5),0.25)+40" "between(Y,62,70)|30|60|160")
	fi
	sprite 300 110 "between(Y,45,92)*between(X,4,296)+between(Y,14,45)*gt(X,78-0.9*(Y-14))*lt(X,222+0.9*(Y-14))+lt(hypot(X-70,Y-88),22)+lt(hypot(X-230,Y-88),22)+between(X,120,180)*between(Y,4,14)*$bar" \
		"$1|$2|$3" "lt(hypot(X-70,Y-88),10)+lt(hypot(X-230,Y-88),10)|120|120|124" "lt(hypot(X-70,Y-88),22)+lt(hypot(X-230,Y-88),22)|14|14|16" \
		"${lights[@]}" \
		"lt(Y,45)*(lt(abs(X-150),5)+lt(Y,19)+lt(X,84-0.9*(Y-14))+gt(X,216+0.9*(Y-14)))|$1|$2|$3" "lt(Y,45)|40|52|64" \
		"between(Y,45,48)+between(Y,84,92)|$(($1 * 2 / 3))|$(($2 * 2 / 3))|$(($3 * 2 / 3))" "between(X,286,296)*between(Y,52,60)|255|240|200" "between(X,4,12)*between(Y,52,60)|200|30|20"
}
# bus R G B: a city bus side-on, 560x190, with a row of lit windows.
bus() {
	sprite 560 190 "between(Y,10,165)*between(X,0,559)+lt(hypot(X-100,Y-160),28)+lt(hypot(X-450,Y-160),28)" "$1|$2|$3" \
		"lt(hypot(X-100,Y-160),12)+lt(hypot(X-450,Y-160),12)|110|110|115" "lt(hypot(X-100,Y-160),28)+lt(hypot(X-450,Y-160),28)|14|14|16" \
		"between(Y,30,90)*lt(mod(X-20,76),64)*between(X,20,540)|170+60*lt(mod(X+Y,41),4)|160+60*lt(mod(X+Y,41),4)|120+60*lt(mod(X+Y,41),4)" \
		"between(Y,100,112)|250|250|250" "between(Y,10,18)|$(($1 * 2 / 3))|$(($2 * 2 / 3))|$(($3 * 2 / 3))"
}
# dog R G B: a dog trotting side-on, 150x100.
dog() {
	local sw="10*sin(2*PI*3*T)"
	sprite 150 100 "lt(hypot((X-70)/48,(Y-45)/20),1)+lt(hypot(X-122,Y-28),17)+between(X,126,146)*between(Y,26,40)+lt(abs(X-(42+($sw)*(Y-55)/45)),6)*between(Y,55,99)+lt(abs(X-(98-($sw)*(Y-55)/45)),6)*between(Y,55,99)+lt(abs(Y-(30-(X-10)*0.6)),4)*between(X,4,26)" \
		"$1|$2|$3" "lt(hypot(X-126,Y-23),3)|10|10|10" "between(X,136,146)*between(Y,26,32)|20|16|16"
}

label=""
if ((have_font)); then
	label=",drawtext=fontfile=$font:text='STAND-IN — not the real clip':fontsize=14:fontcolor=white@0.9:box=1:boxcolor=black@0.55:boxborderw=4:x=w-tw-10:y=h-th-10"
fi

# --- The stand-in clip: five scenes, hard cuts, slow movement. ---------------

# 1. Street at night, wide: a skyline with lit windows, a pavement and a
# road, a parked patrol car with its light bar flashing, pedestrians walking
# by; the camera drifts slowly right.
n1=65
G=360 # kerb line of the 960x540 drawing
pre1="st(0,floor(X/96));st(1,40+190*$(H 'ld(0)*1.7+3.1'));st(5,mod(X,96));
st(3,gt(ld(5),11)*lt(ld(5),88)*lt(mod(ld(5)-12,19),10)*gt(Y,ld(1)+10)*lt(Y,$G-12)*lt(mod(Y-ld(1)-10,24),14));
st(2,$(H 'floor((ld(5)-12)/19)*1.31+floor((Y-ld(1)-10)/24)*9.17+ld(0)*4.7'));
st(6,$(H 'floor(X/5)*3.1+floor(Y/3)*7.7'));st(8,0.8+0.4*$(H 'ld(0)*5.3'));
st(7,$(H 'X*0.37+Y*1.91'));"
s1="color=c=black:s=960x540:r=$fps:d=0.04, format=gbrp,
  $(paint "$pre1" "40+18*ld(7)|40+18*ld(7)|44+18*ld(7)" \
	"lt(Y,ld(1))+lt(ld(5),6)*lt(Y,$G)|10+6*ld(7)|14+6*ld(7)|30+6*ld(7)" \
	"ld(3)*gt(ld(2),0.55)|255*(0.75+0.25*ld(6))|205*(0.75+0.25*ld(6))|120*(0.75+0.25*ld(6))" \
	"ld(3)|22+20*ld(2)|26+20*ld(2)|34+24*ld(2)" \
	"lt(Y,$G)|46*ld(8)+14*ld(6)|44*ld(8)+14*ld(6)|52*ld(8)+14*ld(6)" \
	"lt(Y,$G+30)|70+20*ld(6)+30*lt(mod(X,40),2)|70+20*ld(6)+30*lt(mod(X,40),2)|72+20*ld(6)+30*lt(mod(X,40),2)" \
	"between(Y,$G+110,$G+115)*lt(mod(X,90),45)|190|190|180"),
  scale=1600:900:flags=lanczos, loop=loop=-1:size=1, setpts=N/($fps*TB), format=rgba [s1still];
  $(car 222 226 232 police), scale=270:99 [s1car];
  $(glow 110 255 40 40) [s1red]; $(glow 110 50 80 255) [s1blue];
  $(person 20 22 26 0 1.6), scale=48:132 [s1p1];
  $(person 34 28 24 2 1.4), scale=44:122 [s1p2];
  $(person 16 18 30 4 1.8), scale=52:140 [s1p3];
  [s1still][s1car] overlay=x=1060:y=640 [s1a];
  [s1a][s1red] overlay=x=1120:y=590:enable='lt(mod(t,0.5),0.25)' [s1b];
  [s1b][s1blue] overlay=x=1180:y=590:enable='gte(mod(t,0.5),0.25)' [s1c];
  [s1c][s1p1] overlay=x='420+55*t':y=488 [s1d];
  [s1d][s1p2] overlay=x='1150-50*t':y=494 [s1e];
  [s1e][s1p3] overlay=x='700+65*t':y=482:format=rgb,
  zoompan=z=1.25:x='60+0.8*on':y=130:d=1:s=640x360:fps=$fps, trim=end_frame=$n1, setsar=1, format=yuv420p"

# 2. Crowd outside a public building: a stone facade with columns, windows
# and an inscription, lit from below; a crowd seen from behind, swaying a
# little, two placards bobbing; a slow push-in.
n2=55
pre2="st(0,floor(Y/18));st(1,floor((X+11*mod(ld(0),2)*2)/44));
st(2,$(H 'ld(0)*7.13+ld(1)*3.71'));st(3,$(H 'X*0.71+Y*1.37'));
st(4,mod(X-58,160));st(5,between(Y,60,440)*lt(ld(4),44));
st(6,(0.55+0.45*Y/540)*(0.9+0.2*ld(3)));
st(7,between(Y,150,300)*between(mod(X-118,160),6,78)*lt(abs(mod(X-118,160)-42),36));"
s2still="color=c=black:s=960x540:r=$fps:d=0.04, format=gbrp,
  $(paint "$pre2" "(150-30*ld(2))*ld(6)|(138-30*ld(2))*ld(6)|(118-26*ld(2))*ld(6)" \
	"between(Y,440,540)|(130+25*lt(mod(Y-440,14),3))*(0.8+0.2*ld(3))|(120+25*lt(mod(Y-440,14),3))*(0.8+0.2*ld(3))|(104+25*lt(mod(Y-440,14),3))*(0.8+0.2*ld(3))" \
	"between(Y,26,46)*between(X,120,840)*lt(mod(X,14),10)*gt($(H 'floor(X/14)*2.1+floor(Y/4)*5.3'),0.35)|60|50|40" \
	"between(Y,20,56)|170*ld(6)|158*ld(6)|132*ld(6)" \
	"ld(5)*lt(Y,80)|185*ld(6)|172*ld(6)|146*ld(6)" \
	"ld(5)|(150+40*cos(PI*(ld(4)-22)/44)-18*lt(mod(ld(4),8),2))*ld(6)|(138+40*cos(PI*(ld(4)-22)/44)-18*lt(mod(ld(4),8),2))*ld(6)|(116+36*cos(PI*(ld(4)-22)/44)-18*lt(mod(ld(4),8),2))*ld(6)" \
	"ld(7)*lt(abs(mod(X-118,160)-42),2)|90|84|70" \
	"ld(7)|30+50*ld(3)*lt(mod(X+2*Y,23),6)|40+50*ld(3)*lt(mod(X+2*Y,23),6)|52+60*ld(3)*lt(mod(X+2*Y,23),6)" \
	"lt(mod(Y,18),2)+lt(mod(X+11*mod(ld(0),2)*2,44),2)|70*ld(6)|64*ld(6)|56*ld(6)") [s2stone];
  cellauto=s=240x135:r=$fps:rule=30:ratio=0.5:seed=2112, trim=end_frame=1, format=gbrp,
    scale=960:540:flags=neighbor, gblur=sigma=2, lutrgb=r=200+val/4:g=200+val/4:b=200+val/4 [s2grime];
  [s2stone][s2grime] blend=all_mode=multiply,
  scale=1600:900:flags=lanczos, loop=loop=-1:size=1, setpts=N/($fps*TB), format=rgba"
# The crowd: three rows of standing figures, the nearer rows larger and
# darker (in silhouette against the lit facade).
crowd=""
prev=s2still
k=0
# Clothing colours; lum darkens them per row.
palette=("40 40 46" "34 40 66" "66 50 38" "54 58 42" "84 84 90" "112 34 32" "28 28 30" "70 66 84")
for row in "72 198 520 22 100" "92 253 560 16 80" "116 319 610 10 60"; do
	read -r w h y0 step lum <<<"$row"
	for ((i = 0; i < 12; i++)); do
		x=$(( (i * 139 + k * 47) % 1560 - 40 ))
		read -r c1 c2 c3 <<<"${palette[(i * 5 + k) % 8]}"
		crowd+="$(still=1 person $((c1 * lum / 100)) $((c2 * lum / 100)) $((c3 * lum / 100)) $((i % 4)) 0), scale=$w:$h [s2q$k];
  [$prev][s2q$k] overlay=x='$x+3*sin(0.9*t+$i)':y='$y0+$step*sin(1.3*$i)+2*sin(1.7*t+$((i*2)))' [s2c$k];
  "
		prev=s2c$k
		k=$((k + 1))
	done
done
board() { sprite 150 200 "between(Y,0,95)+between(X,70,80)" "230|228|220" "gt(Y,95)|120|90|60" "lt(abs(mod(Y,22)-11),5)*between(X,14,136)*between(Y,8,90)*gt($(H "floor(X/12)*3.3+floor(Y/22)*$1"),0.3)|40|30|$2"; }
s2="$s2still [s2still];
  $crowd
  $(board 1.7 30) [s2b1]; $(board 4.9 160) [s2b2];
  [$prev][s2b1] overlay=x=380:y='470+6*sin(2.1*t)' [s2d];
  [s2d][s2b2] overlay=x=1060:y='430+6*sin(1.6*t+1)':format=rgb,
  zoompan=z='1.2+0.0016*on':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2+40':d=1:s=640x360:fps=$fps, trim=end_frame=$n2, setsar=1, format=yuv420p"

# 3. Security camera: a fixed high view of a lobby with a tiled floor, doors,
# a counter and a wall screen (testsrc2); people cross the floor. Grey, with
# a little sensor noise and a running timestamp.
n3=55
# The recorder's clock was never set: it counts from 1970.
cctv=""
if ((have_font)); then
	cctv=",drawtext=fontfile=$font:text='CAM 03  %{pts\:gmtime\:11560}':fontsize=13:fontcolor=white:x=24:y=20"
fi
pre3="st(0,(X-480)*6/(Y-60));st(1,3840/(Y-60));
st(2,$(H 'floor(ld(0))*3.1+floor(ld(1))*7.3'));st(3,$(H 'X*0.53+Y*1.17'));
st(4,lt(ld(0)-floor(ld(0)),0.06)+lt(ld(1)-floor(ld(1)),0.08));"
s3="color=c=black:s=960x540:r=$fps:d=0.04, format=gbrp,
  $(paint "$pre3" "150+20*ld(3)|148+20*ld(3)|140+20*ld(3)" \
	"gte(Y,200)*ld(4)|70|70|72" \
	"gte(Y,200)|(120+50*mod(floor(ld(0))+floor(ld(1)),2)+16*ld(2))*(0.7+0.3*(Y-200)/340)|(118+50*mod(floor(ld(0))+floor(ld(1)),2)+16*ld(2))*(0.7+0.3*(Y-200)/340)|(112+50*mod(floor(ld(0))+floor(ld(1)),2)+16*ld(2))*(0.7+0.3*(Y-200)/340)" \
	"between(Y,190,200)|90|88|86" \
	"(between(X,80,170)+between(X,200,290))*between(Y,40,190)*(lt(abs(X-125),41)+lt(abs(X-245),41))*gt(Y,46)|40+30*ld(3)+40*lt(mod(X+Y,37),3)|50+30*ld(3)+40*lt(mod(X+Y,37),3)|56+30*ld(3)+40*lt(mod(X+Y,37),3)" \
	"(between(X,74,176)+between(X,194,296))*between(Y,34,190)|110|108|104" \
	"between(X,560,900)*between(Y,120,190)|100+30*lt(mod(X,24),2)+10*ld(3)|82+30*lt(mod(X,24),2)+10*ld(3)|60+30*lt(mod(X,24),2)+10*ld(3)" \
	"between(X,560,900)*between(Y,112,120)|170|170|165" \
	"between(X,330,520)*between(Y,64,88)*lt(mod(X-330,12),9)*lt(abs(Y-76),6)*gt($(H 'floor(X/12)*1.9'),0.2)|30|30|30" \
	"between(X,326,524)*between(Y,60,92)|200|196|170" \
	"lt(mod(X,120),3)*lt(Y,190)|120|118|112"),
  scale=1600:900:flags=lanczos, loop=loop=-1:size=1, setpts=N/($fps*TB), format=rgba [s3still];
  testsrc2=s=200x112:r=$fps, format=rgba [s3tv];
  $(person 30 30 34 0 1.5), scale=40:110 [s3p1];
  $(person 60 50 40 1 1.7), scale=60:165 [s3p2];
  $(person 22 24 40 3 1.3), scale=92:252 [s3p3];
  [s3still][s3tv] overlay=x=1180:y=110 [s3a];
  [s3a][s3p1] overlay=x='880-38*t':y=290 [s3b];
  [s3b][s3p2] overlay=x='300+48*t':y=380 [s3c];
  [s3c][s3p3] overlay=x='1000+40*t':y=520:format=rgb,
  crop=1280:720:160:90, scale=640:360:flags=bicubic, hue=s=0, eq=contrast=1.1,
  noise=alls=5:allf=t+u:all_seed=3003 $cctv, trim=end_frame=$n3, setsar=1, format=yuv420p"

# 4. Traffic: shopfronts with lit windows and striped awnings under a brick
# wall carrying a billboard (a Mandelbrot still); a bus and cars pass at
# walking pace; the camera drifts left.
n4=70
pre4="st(0,floor(Y/9));st(1,floor((X+10*mod(ld(0),2))/20));
st(2,$(H 'ld(0)*5.1+ld(1)*2.7'));st(3,$(H 'X*0.61+Y*1.29'));
st(4,mod(X,160));st(5,floor(X/160));"
s4="color=c=black:s=960x540:r=$fps:d=0.04, format=gbrp,
  $(paint "$pre4" "(96+40*ld(2))*(0.85+0.15*ld(3))|(48+20*ld(2))*(0.85+0.15*ld(3))|(36+14*ld(2))*(0.85+0.15*ld(3))" \
	"gte(Y,375)*between(Y,440,446)*lt(mod(X,100),50)|200|190|150" \
	"gte(Y,375)|(52+16*ld(3))|(52+16*ld(3))|(56+16*ld(3))" \
	"gte(Y,345)|(96+24*ld(3)-30*lt(mod(X,48),2))|(94+24*ld(3)-30*lt(mod(X,48),2))|(90+24*ld(3)-30*lt(mod(X,48),2))" \
	"between(Y,220,245)*between(ld(4),8,152)|if(mod(floor(X/12),2),230,40+150*$(H 'ld(5)*3.3'))|if(mod(floor(X/12),2),230,60+120*$(H 'ld(5)*7.1'))|if(mod(floor(X/12),2),220,60+100*$(H 'ld(5)*1.9'))" \
	"between(Y,250,340)*between(ld(4),14,146)*(lt(abs(ld(4)-80),3)+lt(abs(Y-300),1))|60|56|50" \
	"between(Y,250,340)*between(ld(4),14,146)|(170+60*$(H 'ld(5)*2.2'))*(0.6+0.4*ld(3))*(1-0.5*lt(mod(X*3+Y,53),9))|(130+50*$(H 'ld(5)*2.2'))*(0.6+0.4*ld(3))*(1-0.5*lt(mod(X*3+Y,53),9))|(80+40*$(H 'ld(5)*4.4'))*(0.6+0.4*ld(3))*(1-0.5*lt(mod(X*3+Y,53),9))" \
	"between(Y,200,345)|40+20*ld(3)|38+20*ld(3)|40+20*ld(3)" \
	"lt(mod(Y,9),1)+lt(mod(X+10*mod(ld(0),2),20),1)|150|140|125" ),
  scale=1600:900:flags=lanczos, loop=loop=-1:size=1, setpts=N/($fps*TB), format=rgba [s4wall];
  mandelbrot=s=600x300:r=$fps:maxiter=900:start_x=-0.743643887037151:start_y=0.13182590420533:start_scale=0.0005:outer=normalized_iteration_count, trim=end_frame=1,
    eq=saturation=0.8, drawbox=c=0xd8d8d0:t=8, format=rgba, loop=loop=-1:size=1, setpts=N/($fps*TB) [s4bill];
  $(bus 30 90 150) [s4bus];
  $(car 230 190 30), scale=270:99 [s4taxi];
  $(car 120 124 130), scale=280:103 [s4car];
  [s4wall][s4bill] overlay=x=620:y=40 [s4a];
  [s4a][s4bus] overlay=x='-200+62*t':y=470 [s4b];
  [s4b][s4car] overlay=x='1500-70*t':y=600 [s4c];
  [s4c][s4taxi] overlay=x='1200-90*t':y=700:format=rgb,
  zoompan=z='1.25+0.0008*on':x='iw/2-iw/zoom/2+100-0.7*on':y='ih/2-ih/zoom/2+20':d=1:s=640x360:fps=$fps, trim=end_frame=$n4, setsar=1, format=yuv420p"

# 5. Close-up: a detainee standing at a brick wall with graffiti, by a steel
# door, two officers beside him shifting their weight; red and blue light
# from an unseen patrol car flickers in the top-left corner; a slow push-in.
n5=55
pre5="st(0,floor(Y/16));st(1,floor((X+18*mod(ld(0),2))/36));
st(2,$(H 'ld(0)*4.3+ld(1)*6.1'));st(3,$(H 'X*0.43+Y*1.73'));
st(6,0.55+0.45*(1-hypot(X-560,Y-200)/700));"
s5="color=c=black:s=960x540:r=$fps:d=0.04, format=gbrp,
  $(paint "$pre5" "(120+50*ld(2))*(0.85+0.15*ld(3))*ld(6)|(60+26*ld(2))*(0.85+0.15*ld(3))*ld(6)|(44+20*ld(2))*(0.85+0.15*ld(3))*ld(6)" \
	"gte(Y,470)|(70+20*ld(3)-20*lt(mod(X-Y,60),2))*ld(6)|(70+20*ld(3)-20*lt(mod(X-Y,60),2))*ld(6)|(74+20*ld(3)-20*lt(mod(X-Y,60),2))*ld(6)" \
	"between(X,680,850)*between(Y,110,470)*(lt(abs(X-700),6)*lt(abs(Y-300),20)+between(Y,200,206))|140|144|150" \
	"between(X,680,850)*between(Y,110,470)|(70+12*ld(3)+10*sin(X/9))*ld(6)|(76+12*ld(3)+10*sin(X/9))*ld(6)|(84+12*ld(3)+10*sin(X/9))*ld(6)" \
	"between(X,668,862)*between(Y,98,470)|50|52|56" \
	"between(X,60,380)*between(Y,300,420)*lt(abs(Y-360-40*sin(X/23)*cos(X/71)),6)|30|150|170" \
	"between(X,90,300)*between(Y,250,330)*lt(abs(Y-290-25*sin(X/11+1)),4)|210|200|60" \
	"lt(mod(Y,16),2)+lt(mod(X+18*mod(ld(0),2),36),2)|110*ld(6)|104*ld(6)|96*ld(6)"),
  scale=1600:900:flags=lanczos, loop=loop=-1:size=1, setpts=N/($fps*TB), format=rgba [s5wall];
  $(glow 300 255 30 30) [s5red]; $(glow 300 40 70 255) [s5blue];
  $(still=1 person 58 52 46 0 0), scale=150:420 [s5d];
  $(officer 0.3 0), scale=170:470 [s5o1];
  $(officer 2.5 0), scale=180:490 [s5o2];
  [s5wall][s5red] overlay=x=150:y=110:enable='lt(mod(t,0.5),0.25)' [s5a];
  [s5a][s5blue] overlay=x=230:y=110:enable='gte(mod(t,0.5),0.25)' [s5b];
  [s5b][s5d] overlay=x=560:y='360+2*sin(2.3*t)' [s5c];
  [s5c][s5o1] overlay=x='330+4*sin(1.1*t)':y=330 [s5e];
  [s5e][s5o2] overlay=x='880+6*sin(0.8*t)':y='320+3*sin(1.7*t)':format=rgb,
  zoompan=z='1.22+0.0018*on':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2+30':d=1:s=640x360:fps=$fps, trim=end_frame=$n5, setsar=1, format=yuv420p"

standin_graph="$s1 [v1]; $s2 [v2]; $s3 [v3]; $s4 [v4]; $s5 [v5];
  [v1][v2][v3][v4][v5] concat=n=5:v=1:a=0, vignette=PI/5 $label, format=yuv420p [out]"

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
args=("${common[@]}" -threads 1 -i "$out/nypd-ice-standin.mp4" -filter_complex "$repost_graph" -map "[out]"
	"${h264[@]}" -preset medium -crf 32 -r 30 "${bitexact[@]}"
	"$out/nypd-ice-repost.mp4")
ffmpeg "${args[@]}"

# --- An unrelated clip that must not match. ----------------------------------
#
# Daylight, different places and palettes, the same kind of slow movement.

# U1. A park by day: trees whose leaves are a maze-rule life pattern
# (frozen), grass, a gravel path and a bench; a jogger and a dog go by; the
# camera drifts right.
m1=70
pre6="st(3,$(H 'X*0.67+Y*1.41'));st(2,$(H 'floor(X/3)*2.3+floor(Y/2)*4.9'));st(0,floor(X/150));"
# Tree k: crown centre (150k+75+40(H-0.5), 150+60H), radius 70+40H.
crown() { echo "lt(hypot(X-(150*($1)+75+40*($(H "($1)*1.7+0.3")-0.5)),1.2*(Y-150-60*$(H "($1)*1.3+0.7"))),70+40*$(H "($1)*2.1+0.1"))"; }
trunk() { echo "lt(abs(X-(150*($1)+75+40*($(H "($1)*1.7+0.3")-0.5))),9)*between(Y,150,330)"; }
u1="color=c=black:s=960x540:r=$fps:d=0.04, format=gbrp,
  $(paint "$pre6" "150+30*ld(3)-40*Y/300|190+20*ld(3)-30*Y/300|230+10*ld(3)-20*Y/300" \
	"between(Y,400,450)|(190+40*ld(2))|(170+36*ld(2))|(130+30*ld(2))" \
	"between(X,620,780)*between(Y,360,372)+(lt(abs(X-640),5)+lt(abs(X-760),5))*between(Y,360,400)|90|60|40" \
	"between(X,620,780)*between(Y,330,352)*lt(mod(Y-330,8),6)|120|80|50" \
	"gte(Y,300)|(40+40*ld(2))*(0.7+0.3*Y/540)|(100+60*ld(2))*(0.7+0.3*Y/540)|(30+30*ld(2))*(0.7+0.3*Y/540)" \
	"gt($(trunk 'ld(0)-1')+$(trunk 'ld(0)')+$(trunk 'ld(0)+1'),0)|(80+30*ld(2))|(60+20*ld(2))|(40+14*ld(2))") [u1base];
  life=s=240x135:r=$fps:seed=8080:rule=B3/S12345:ratio=0.2:mold=0:life_color=#5c9a3a:death_color=#1d3b17, trim=start_frame=40:end_frame=41,
    setpts=PTS-STARTPTS, scale=960:540:flags=neighbor, gblur=sigma=1.2, format=gbrp [u1leaves];
  color=c=black:s=960x540:r=$fps:d=0.04, format=gray,
    geq=lum='255*gt($(crown 'floor(X/150)-1')+$(crown 'floor(X/150)')+$(crown 'floor(X/150)+1'),0)*(0.2+0.8*lt(Y,300))', gblur=sigma=1 [u1mask];
  [u1leaves][u1mask] alphamerge [u1trees];
  [u1base][u1trees] overlay=format=rgb,
  scale=1600:900:flags=lanczos, loop=loop=-1:size=1, setpts=N/($fps*TB), format=rgba [u1still];
  $(dog 130 90 50) [u1dog];
  $(person 200 40 60 0 2.2), scale=70:190 [u1jog];
  [u1still][u1jog] overlay=x='280+60*t':y=520 [u1a];
  [u1a][u1dog] overlay=x='120+66*t':y=640:format=rgb,
  zoompan=z=1.25:x='60+0.8*on':y=120:d=1:s=640x360:fps=$fps, trim=end_frame=$m1, setsar=1, format=yuv420p"

# U2. Indoors: a bookshelf of randomly sized and coloured books with title
# bands, beside a window; a cat walks along the floor; a slow pull-back.
m2=65
# Shelves every 130 px from y=20; book j on a shelf spans 22 px; its height
# and colour come from hashes of (shelf, j).
pre7="st(0,floor((Y-20)/130));st(1,floor(X/22));st(4,mod(Y-20,130));
st(2,$(H 'ld(0)*7.7+ld(1)*1.3'));st(5,$(H 'ld(0)*3.9+ld(1)*8.1'));st(6,$(H 'ld(0)*5.5+ld(1)*2.9'));
st(3,$(H 'X*0.91+Y*1.07'));"
u2="color=c=black:s=960x540:r=$fps:d=0.04, format=gbrp,
  $(paint "$pre7" "(170+14*ld(3))|(160+14*ld(3))|(140+12*ld(3))" \
	"between(X,700,900)*between(Y,60,340)*(lt(abs(X-800),4)+lt(abs(Y-200),4)+lt(X,706)+gt(X,894)+lt(Y,66)+gt(Y,334))|235|235|228" \
	"between(X,700,900)*between(Y,60,340)|150+60*(Y-60)/280+10*ld(3)|190+30*(Y-60)/280+10*ld(3)|230+10*ld(3)" \
	"gte(Y,470)|(120+30*$(H 'floor(Y/10)*3.3+floor((X+40*mod(floor(Y/10),3))/120)'))*(0.9+0.1*ld(3))|(80+20*$(H 'floor(Y/10)*3.3+floor((X+40*mod(floor(Y/10),3))/120)'))*(0.9+0.1*ld(3))|(50+14*$(H 'floor(Y/10)*3.3+floor((X+40*mod(floor(Y/10),3))/120)'))*(0.9+0.1*ld(3))" \
	"gt(X,640)|(170+14*ld(3))|(160+14*ld(3))|(140+12*ld(3))" \
	"lt(X,20)+gt(X,620)+lt(ld(4),12)+gt(Y,460)|(110+20*ld(3))|(70+14*ld(3))|(40+10*ld(3))" \
	"lt(ld(4),12+40*ld(2))+lt(mod(X,22),2)|40+10*ld(3)|26+8*ld(3)|18+6*ld(3)" \
	"lt(abs(ld(4)-40-40*ld(2)-20),3)+lt(abs(ld(4)-110),4)|220|200|120" \
	"1|(40+180*ld(5))*(0.85+0.15*ld(3))|(40+140*ld(6))*(0.85+0.15*ld(3))|(40+120*$(H 'ld(0)*2.3+ld(1)*4.7'))*(0.85+0.15*ld(3))"),
  scale=1600:900:flags=lanczos, loop=loop=-1:size=1, setpts=N/($fps*TB), format=rgba [u2still];
  $(sprite 160 90 "lt(hypot((X-70)/50,(Y-50)/18),1)+lt(hypot(X-128,Y-36),16)+lt(abs(X-140)+abs(Y-14),10)+lt(abs(X-118)+abs(Y-14),10)+lt(abs(Y-(30+(X-22)*1.4)),4)*between(X,0,22)*gt(Y,0)+lt(abs(X-(40+8*sin(12*T))),5)*between(Y,60,89)+lt(abs(X-(98-8*sin(12*T))),5)*between(Y,60,89)" \
	"50|48|46" "lt(hypot(X-134,Y-34),3)|200|190|60") [u2cat];
  [u2still][u2cat] overlay=x='900-55*t':y=700:format=rgb,
  zoompan=z='1.42-0.0025*on':x='iw/2-iw/zoom/2-60':y='ih/2-ih/zoom/2+60':d=1:s=640x360:fps=$fps, trim=end_frame=$m2, setsar=1, format=yuv420p"

# U3. A swimming pool from above: a mosaic floor (a Sierpinski carpet,
# frozen and softened), lane ropes; two swimmers do lengths; a slow pan.
m3=65
u3="sierpinski=s=480x270:r=$fps:type=carpet:seed=777:jump=1, trim=end_frame=1, scale=960:540:flags=bicubic, format=gbrp,
  lutrgb=r='30+val*0.45':g='110+val*0.42':b='160+val*0.34',
  $(paint "st(0,mod(X,16));st(1,Y-135*floor((Y+67)/135));" "r(X,Y)|g(X,Y)|b(X,Y)" \
	"lt(hypot(ld(0)-8,ld(1)),7)*gt(Y,60)|if(lt(mod(floor(X/16),10),5),220,230)|if(lt(mod(floor(X/16),10),5),40,230)|if(lt(mod(floor(X/16),10),5),40,230)"),
  scale=1600:900:flags=lanczos, loop=loop=-1:size=1, setpts=N/($fps*TB), format=rgba [u3still];
  $(sprite 190 90 "lt(hypot((X-90)/60,(Y-45)/15),1)+lt(hypot(X-160,Y-45),15)+lt(abs(Y-45-30*sin(5*T)),6)*between(X,120,185)+lt(abs(Y-45+30*sin(5*T)),6)*between(X,120,185)+lt(abs(Y-45-6*sin(10*T)*(X-10)/30),5)*between(X,0,40)" \
	"210|160|130" "lt(hypot(X-160,Y-45),15)|250|210|30" "between(X,60,110)|30|30|90") [u3s1];
  $(sprite 190 90 "lt(hypot((X-100)/60,(Y-45)/15),1)+lt(hypot(X-30,Y-45),15)+lt(abs(Y-45-30*sin(5*T+2)),6)*between(X,5,70)+lt(abs(Y-45+30*sin(5*T+2)),6)*between(X,5,70)+lt(abs(Y-45-6*sin(10*T)*(X-150)/30),5)*between(X,150,189)" \
	"190|140|110" "lt(hypot(X-30,Y-45),15)|220|40|40" "between(X,80,130)|140|20|30") [u3s2];
  [u3still][u3s1] overlay=x='200+40*t':y=290 [u3a];
  [u3a][u3s2] overlay=x='1250-36*t':y=520:format=rgb,
  zoompan=z='1.25+0.001*on':x='150+0.4*on':y='ih/2-ih/zoom/2':d=1:s=640x360:fps=$fps, trim=end_frame=$m3, setsar=1, format=yuv420p"

unrelated_graph="$u1 [w1]; $u2 [w2]; $u3 [w3]; [w1][w2][w3] concat=n=3:v=1:a=0, vignette=PI/5, format=yuv420p [out]"

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
args=("${common[@]}" -threads 1 -ss 5 -i "$out/nypd-ice-repost.mp4" -frames:v 1
	-c:v mjpeg -pix_fmt yuvj420p -q:v 11 "${bitexact[@]}" -update 1
	"$out/screenshot.jpg")
ffmpeg "${args[@]}"

du -ch "$out"/nypd-ice-standin.mp4 "$out"/nypd-ice-repost.mp4 "$out"/unrelated.mp4 "$out"/screenshot.jpg
