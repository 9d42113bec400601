#!/bin/sh
# Regenerates the test JPEGs (cjpeg from Debian's libjpeg-turbo-progs).
# src.ppm is a 77×53 picture made by the shell below: gradients and edges,
# sizes that are not multiples of the MCU.
set -e
cd "$(dirname "$0")"
python3 - <<'PY'
import math
w, h = 77, 53
out = bytearray(b"P6\n%d %d\n255\n" % (w, h))
for y in range(h):
    for x in range(w):
        r = (x * 255) // (w - 1)
        g = (y * 255) // (h - 1)
        b = 255 if (x // 9 + y // 7) % 2 else 30
        v = int(127 + 120 * math.sin(x * 0.4) * math.cos(y * 0.3))
        out += bytes(((r + v) // 2, (g + b) // 2, (b + v) // 2))
open("src.ppm", "wb").write(out)
PY
cjpeg -quality 85 -sample 2x2 -outfile base420.jpg src.ppm
cjpeg -quality 85 -sample 1x1 -outfile base444.jpg src.ppm
cjpeg -quality 85 -sample 2x1 -outfile base422.jpg src.ppm
cjpeg -quality 85 -sample 1x2 -outfile base440.jpg src.ppm
cjpeg -quality 85 -grayscale -outfile gray.jpg src.ppm
cjpeg -quality 85 -sample 2x2 -restart 1 -outfile restart.jpg src.ppm
cjpeg -quality 90 -sample 2x2 -progressive -outfile prog420.jpg src.ppm
cjpeg -quality 90 -sample 1x1 -progressive -outfile prog444.jpg src.ppm
cjpeg -quality 90 -grayscale -progressive -restart 1 -outfile proggray.jpg src.ppm
cjpeg -quality 75 -sample 2x2 -optimize -outfile optimized.jpg src.ppm
rm src.ppm
# A flat 8192×8192 progressive picture: a few kilobytes that declare 67
# megapixels (a decompression bomb within the default pixel limit).
python3 -c 'import sys; sys.stdout.buffer.write(b"P5\n8192 8192\n255\n" + bytes([90]) * (8192 * 8192))' |
	cjpeg -quality 50 -progressive -outfile bomb-progressive.jpg
