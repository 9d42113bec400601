#!/bin/sh
# Side-by-side benchmark of provcheck against Meta's reference tools, whole
# process, same files, same run (see the README's Performance section).
#
#   bench/reference.sh PDQ_PHOTO_HASHER VPDQ_HASH_VIDEO [TMK_SAMPLE_VIDEO_DIR]
#
# PDQ_PHOTO_HASHER and VPDQ_HASH_VIDEO are locally built reference tools
# (ThreatExchange pdq/cpp with libjpeg, vpdq/cpp with cmake); they are not
# part of this repository. PDQ_PHOTO_HASHER "-" skips the photos (videos
# only). The load average is printed before each benchmark. Photos come from Debian wallpaper packages, the
# 1080p clip is generated with ffmpeg; everything goes to
# ${BENCH_DIR:-$HOME/.cache/provcheck-bench/reference}. Needs hyperfine,
# ffmpeg, python3 and apt-get download (Debian).
set -eu
pdq=$1
[ "$pdq" = - ] || pdq=$(realpath "$pdq")
vpdq=$(realpath "$2")
tmk=${3:-}
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${BENCH_DIR:-$HOME/.cache/provcheck-bench/reference}
mkdir -p "$dir/debs" "$dir/photos"
go build -C "$repo" -o "$dir/provcheck" ./cmd/provcheck
pc="$dir/provcheck"

if [ "$pdq" != - ]; then
cd "$dir/debs"
for p in mate-backgrounds plasma-workspace-wallpapers desktop-base; do
	ls ${p}_*.deb >/dev/null 2>&1 || apt-get download "$p"
	[ -d "root-$p" ] || dpkg -x ${p}_*.deb "root-$p"
done
# 34 photos of mixed sizes (400×225 … 5640×3172, six over 12 MP).
i=0
while read -r f; do
	i=$((i + 1))
	src=$(ls root-*/"$f" | head -1)
	cp "$src" "$dir/photos/$(printf %02d "$i")-$(basename "$f")"
done <<'LIST'
usr/share/wallpapers/Honeywave/contents/images/1080x1920.jpg
usr/share/backgrounds/mate/nature/GreenMeadow.jpg
usr/share/backgrounds/mate/nature/FreshFlower.jpg
usr/share/wallpapers/SafeLanding/contents/images/1622x2880.jpg
usr/share/backgrounds/mate/nature/Dune.jpg
usr/share/backgrounds/mate/desktop/GreenTraditional.jpg
usr/share/backgrounds/mate/abstract/Elephants.jpg
usr/share/plasma/look-and-feel/org.debian.desktop/contents/previews/fullscreenpreview.jpg
usr/share/backgrounds/mate/nature/Blinds.jpg
usr/share/backgrounds/mate/nature/RainDrops.jpg
usr/share/backgrounds/mate/nature/Storm.jpg
usr/share/backgrounds/mate/nature/Aqua.jpg
usr/share/backgrounds/mate/nature/Garden.jpg
usr/share/backgrounds/mate/nature/LadyBird.jpg
usr/share/backgrounds/mate/nature/TwoWings.jpg
usr/share/backgrounds/mate/nature/YellowFlower.jpg
usr/share/backgrounds/mate/nature/Wood.jpg
usr/share/wallpapers/PastelHills/contents/images/1280x1024.jpg
usr/share/backgrounds/mate/abstract/Elephants_3840x2160.jpg
usr/share/wallpapers/SafeLanding/contents/screenshot.jpg
usr/share/wallpapers/Autumn/contents/screenshot.jpg
usr/share/wallpapers/BytheWater/contents/screenshot.jpg
usr/share/wallpapers/ColdRipple/contents/screenshot.jpg
usr/share/wallpapers/ColorfulCups/contents/screenshot.jpg
usr/share/wallpapers/Flow/contents/images/5120x2880.jpg
usr/share/wallpapers/Honeywave/contents/images/5120x2880.jpg
usr/share/wallpapers/SafeLanding/contents/images/5120x2880.jpg
usr/share/wallpapers/Shell/contents/images/5120x2880.jpg
usr/share/wallpapers/Volna/contents/images/5120x2880.jpg
usr/share/backgrounds/mate/abstract/Elephants_5640x3172.jpg
usr/share/wallpapers/Flow/contents/images/720x1440.jpg
usr/share/wallpapers/Shell/contents/images/720x1440.jpg
usr/share/desktop-base/lines-theme/login/sddm-preview-nologo.jpg
usr/share/desktop-base/joy-theme/login/sddm-preview.jpg
LIST
ref=$repo/../shared/pdq-reference/jpeg/exif-rotn-3.jpg
[ -f "$ref" ] && cp "$ref" "$dir/photos/35-exif-rotn-3.jpg" # 4032×3024, EXIF-rotated
cd "$dir"
photos=$(ls photos/*.jpg)

echo "== photos: $(echo "$photos" | wc -l) JPEGs, whole process; $(uptime)"
# shellcheck disable=SC2086
hyperfine -N -w 1 -r "${RUNS:-10}" \
	-n pdq-photo-hasher "$pdq $(echo $photos)" \
	-n "provcheck hash" "$pc hash --format json $(echo $photos)"

echo "== photos: PDQ distance of provcheck's hash to the reference tool's (the reference ignores EXIF orientation)"
# shellcheck disable=SC2086
"$pdq" $photos >ref.csv
# shellcheck disable=SC2086
"$pc" hash --format json $photos >ours.json
python3 - <<'PY'
import json
ref = {l.split(",")[2]: l.split(",")[0] for l in open("ref.csv").read().split()}
dec, text, i, ours = json.JSONDecoder(), open("ours.json").read(), 0, {}
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    o, i = dec.raw_decode(text, i)
    ours[o["file"]] = o["frames"][0]["pdq"]
d = sorted(bin(int(ref[f], 16) ^ int(ours[f], 16)).count("1") for f in ours if "exif" not in f)
print(f"n={len(d)} mean={sum(d)/len(d):.1f} median={d[len(d)//2]} p90={d[len(d)*9//10]} max={d[-1]}")
print("histogram:", {v: d.count(v) for v in sorted(set(d))})
PY

fi
cd "$dir"
[ -f clip-30s-1080p.mp4 ] || ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=1920x1080:rate=30:duration=30 \
	-c:v libx264 -preset veryfast -g 60 -pix_fmt yuv420p clip-30s-1080p.mp4
videos=clip-30s-1080p.mp4
[ -n "$tmk" ] && videos="$videos $(ls "$tmk"/*.mp4)"
for v in $videos; do
	echo "== video $(basename "$v"), 2 frames a second; $(uptime)"
	hyperfine -N -w 1 -r "${RUNS:-5}" \
		-n vpdq-hash-video "$vpdq -i $v -o vpdq.txt -r 0.5" \
		-n "provcheck hash" "$pc hash --format vpdq $v"
done
