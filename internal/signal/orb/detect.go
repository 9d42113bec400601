package orb

import (
	"context"
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
)

// level is one pyramid level: its picture, its scale relative to the input
// and the integral image of its pixels (for the BRIEF box tests).
type level struct {
	img   *Gray
	scale float64
	integ []int32 // (W+1)×(H+1)
}

// Detect computes the features of g.
func Detect(g *Gray, o Options) *Features {
	f, _ := DetectContext(context.Background(), g, o)
	return f
}

// DetectContext is Detect, given up with ctx's error when ctx ends
// (between the levels of the pyramid).
func DetectContext(ctx context.Context, g *Gray, o Options) (*Features, error) {
	f := &Features{W: g.W, H: g.H}
	if g.W < 2*edge+1 || g.H < 2*edge+1 || o.MaxFeatures <= 0 {
		return f, ctx.Err()
	}
	levels, err := pyramid(ctx, g, o)
	if err != nil {
		return nil, err
	}
	cands, err := detectAll(ctx, levels, o.FastThreshold)
	if err != nil {
		return nil, err
	}
	// Too few corners: detect again at the low threshold, on every level,
	// or on the coarse levels alone (the fine levels of an enlarged
	// picture find many corners, the levels at its original scale few).
	canLower := o.LowThreshold > 0 && o.LowThreshold < o.FastThreshold
	if canLower && total(cands) < o.MaxFeatures/4 {
		if cands, err = detectAll(ctx, levels, o.LowThreshold); err != nil {
			return nil, err
		}
		canLower = false // every level is at the low threshold already
	}
	if c := o.Coarse; canLower && c > 0 && len(levels) > c && total(cands[c:]) < o.MaxFeatures/4 {
		low, err := detectAll(ctx, levels[c:], o.LowThreshold)
		if err != nil {
			return nil, err
		}
		copy(cands[c:], low)
	}
	quota := levelQuotas(o, min(len(levels), o.Levels))
	if o.Coarse > 0 && len(levels) > o.Coarse {
		quota = append(quota, make([]int, len(levels)-len(quota))...)
		for i, n := range levelQuotas(o, min(len(levels)-o.Coarse, o.Levels)) {
			quota[o.Coarse+i] += n
		}
	}
	var integ []int32
	for li, lv := range levels {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		kps := spread(cands[li], quota[li], lv.img.W, lv.img.H, o.Grid, lv.scale, float64(g.W), float64(g.H))
		if len(kps) == 0 {
			continue
		}
		// Levels shrink: the first level's table has room for the others'.
		lv.integ = integralInto(lv.img, integ)
		integ = lv.integ
		for _, c := range kps {
			ang := orientation(lv.img, c.x, c.y)
			kp := Keypoint{
				X:        float32((float64(c.x)+0.5)*lv.scale - 0.5),
				Y:        float32((float64(c.y)+0.5)*lv.scale - 0.5),
				Scale:    float32(lv.scale),
				Angle:    float32(ang),
				Response: c.r,
				Level:    uint8(li),
			}
			f.Keypoints = append(f.Keypoints, kp)
			f.Descriptors = append(f.Descriptors, describe(lv, c.x, c.y, ang))
		}
	}
	return f, nil
}

func total(c [][]corner) int {
	n := 0
	for _, l := range c {
		n += len(l)
	}
	return n
}

// levelQuotas shares MaxFeatures over the levels in proportion to each
// level's linear size, as a geometric series.
func levelQuotas(o Options, n int) []int {
	q := make([]int, n)
	f := 1 / o.ScaleFactor
	per := float64(o.MaxFeatures) * (1 - f) / (1 - math.Pow(f, float64(n)))
	sum := 0
	for i := 0; i < n-1; i++ {
		q[i] = int(math.Round(per))
		sum += q[i]
		per *= f
	}
	q[n-1] = max(0, o.MaxFeatures-sum)
	return q
}

func pyramid(ctx context.Context, g *Gray, o Options) ([]*level, error) {
	levels := []*level{{img: g, scale: 1}}
	for i := 1; i < o.Levels+max(0, o.Coarse); i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s := math.Pow(o.ScaleFactor, float64(i))
		w, h := int(math.Round(float64(g.W)/s)), int(math.Round(float64(g.H)/s))
		if w < 2*edge+8 || h < 2*edge+8 {
			break
		}
		prev := levels[len(levels)-1]
		levels = append(levels, &level{img: resizeBilinear(prev.img, w, h), scale: s})
	}
	return levels, nil
}

// resizeBilinear samples src at the centres of a w×h grid.
func resizeBilinear(src *Gray, w, h int) *Gray {
	dst := &Gray{W: w, H: h, Pix: make([]uint8, w*h)}
	fx := float64(src.W) / float64(w)
	fy := float64(src.H) / float64(h)
	// Column x samples pixels xi[x] and xi[x]+1 with weights xna[x] = 1−a
	// and xa[x] = a.
	xi := make([]int32, w)
	xa, xna := make([]float64, w), make([]float64, w)
	for x := range xi {
		sx := (float64(x)+0.5)*fx - 0.5
		sx = math.Max(0, math.Min(sx, float64(src.W-1)))
		i := int(sx)
		if i >= src.W-1 {
			i = src.W - 2
		}
		a := sx - float64(i)
		xi[x], xa[x], xna[x] = int32(i), a, 1-a
	}
	for y := 0; y < h; y++ {
		sy := (float64(y)+0.5)*fy - 0.5
		sy = math.Max(0, math.Min(sy, float64(src.H-1)))
		j := int(sy)
		if j >= src.H-1 {
			j = src.H - 2
		}
		b := sy - float64(j)
		nb := 1 - b
		r0 := src.Pix[j*src.W:][:src.W]
		r1 := src.Pix[(j+1)*src.W:][:src.W]
		out := dst.Pix[y*w:][:w]
		x := 0
		if hasVector {
			// resize8 reads 4 bytes at each tap of both rows: the last
			// taps of the last row would read past the picture.
			n, limit := w, len(src.Pix)-(j+1)*src.W-3
			for n > 0 && int(xi[n-1]) >= limit {
				n--
			}
			if n8 := n &^ 7; n8 > 0 {
				resize8(&src.Pix[j*src.W], &src.Pix[(j+1)*src.W], &xi[0], &xa[0], &xna[0], n8, b, nb, &out[0])
				x = n8
			}
		}
		xi, xa, xna := xi[:len(out)], xa[:len(out)], xna[:len(out)]
		for ; x < len(out); x++ {
			i := int(xi[x])
			p0, p1 := r0[i:i+2:i+2], r1[i:i+2:i+2]
			top := float64(p0[0])*xna[x] + float64(p0[1])*xa[x]
			bot := float64(p1[0])*xna[x] + float64(p1[1])*xa[x]
			out[x] = round8(top*nb + bot*b)
		}
	}
	return dst
}

// round8 is clamp8, faster for the values in [0, 255] of resizeBilinear:
// math.Round rounds half away from zero, which for v ≥ 0 is its integer
// part plus one when its fraction (exact: v − trunc(v)) is at least ½.
func round8(v float64) uint8 {
	if v >= 0 && v < 255 {
		i := int(v)
		if v-float64(i) >= 0.5 {
			i++
		}
		return uint8(i)
	}
	return clamp8(v)
}

// corner is a FAST corner on one level with its Harris response.
type corner struct {
	x, y int
	r    float32
}

// circle is the Bresenham circle of radius 3 used by FAST, clockwise from
// the top.
var circle = [16][2]int{
	{0, -3}, {1, -3}, {2, -2}, {3, -1}, {3, 0}, {3, 1}, {2, 2}, {1, 3},
	{0, 3}, {-1, 3}, {-2, 2}, {-3, 1}, {-3, 0}, {-3, -1}, {-2, -2}, {-1, -3},
}

func detectAll(ctx context.Context, levels []*level, thr int) ([][]corner, error) {
	out := make([][]corner, len(levels))
	for i, lv := range levels {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out[i] = fast(lv.img, thr)
	}
	return out, nil
}

// fast finds FAST-9 corners (9 contiguous circle pixels all brighter than
// the centre + thr or all darker than centre − thr), keeps those whose
// score is a 3×3 local maximum, and ranks them by the Harris response.
//
// Scores are kept for three rows at a time: row y−1's maxima are taken
// once row y is scored, so corners come out row by row, left to right.
func fast(g *Gray, thr int) []corner {
	w, h := g.W, g.H
	x0, x1 := edge-1, w-edge+1 // scored columns
	if x1 <= x0 || h-edge+1 <= edge-1 {
		return nil
	}
	var rows [3][]int32
	buf := make([]int32, 3*w)
	for k := range rows {
		rows[k] = buf[k*w : (k+1)*w : (k+1)*w]
	}
	var out []corner
	for y := edge - 1; y < h-edge+1; y++ {
		fastRow(g, y, thr, rows[y%3][x0:x1])
		if yc := y - 1; yc >= edge {
			out = nonMax(g, yc, rows[(yc-1)%3], rows[yc%3], rows[y%3], out)
		}
	}
	return out
}

// fastRow writes the FAST score (0: no corner) of row y's pixels from
// column edge−1 on into s.
func fastRow(g *Gray, y, thr int, s []int32) {
	w := g.W
	p := g.Pix
	// Row k of the 7×7 windows: pixel j of s is the centre of rows[k][j:j+7].
	n := len(s) + 6
	o := y*w + edge - 4
	var rows [7][]uint8
	for k := range rows {
		rows[k] = p[o+(k-3)*w:][:n]
	}
	j := 0
	if thr >= 0 && thr <= 255 {
		clear(s)
		// 64 pixels at a time on the vector unit, only the corners (an
		// arc of 9 circle pixels brighter or darker) are scored: a
		// corner's score is at least 9, so the others score 0. The last
		// circle row's 64-byte reads must stay in the picture.
		if hasVector {
			off := circleOffsets(w)
			var masks [32]uint64
			base := y*w + edge - 1 // the centre of s[0]
			for ; j+64 <= len(s) && base+j+3*w+3+64 <= len(p); j += 64 {
				fastCmp64(&p[base+j], &off, thr, &masks)
				m := arc9x64(&masks)
				for m != 0 {
					k := bits.TrailingZeros64(m)
					m &= m - 1
					s[j+k] = fastAt(&rows, j+k, thr)
				}
			}
		}
		// Eight pixels at a time, only those passing the quick rejection
		// of fastAt are scored; the others score 0.
		r0, r3, r6 := rows[0], rows[3], rows[6]
		for ; j+8 <= len(s); j += 8 {
			m := cardinal8(r0[j+3:], r3[j:], r6[j+3:], thr)
			for m != 0 {
				k := bits.TrailingZeros64(m) >> 3
				m &= m - 1
				s[j+k] = fastAt(&rows, j+k, thr)
			}
		}
	}
	for ; j < len(s); j++ {
		s[j] = fastAt(&rows, j, thr)
	}
}

// cardinal8 is the quick rejection of fastAt for the eight pixels whose
// circle pixels 0 and 8 start top and bottom, and whose row (from circle
// pixel 12 on) starts mid: bit 8j+7 is set when pixel j may be a corner.
// It works on 16-bit lanes (even pixels, then odd ones), where
// (v | 0x8000) − u keeps bit 15 exactly when v ≥ u, for v, u < 0x8000;
// thr must be in [0, 255].
func cardinal8(top, mid, bottom []uint8, thr int) uint64 {
	const (
		lo8 = 0x00ff00ff00ff00ff
		h   = 0x8000800080008000
	)
	t := uint64(thr+1) * 0x0001000100010001
	v0 := binary.LittleEndian.Uint64(top)
	v8 := binary.LittleEndian.Uint64(bottom)
	v12 := binary.LittleEndian.Uint64(mid)
	c := binary.LittleEndian.Uint64(mid[3:])
	v4 := binary.LittleEndian.Uint64(mid[6:])
	half := func(c, v0, v4, v8, v12 uint64) uint64 {
		// Brighter: v ≥ c + thr + 1; darker: c ≥ v + thr + 1.
		hp, ch := c+t, c|h
		b0, b4, b8, b12 := (v0|h)-hp, (v4|h)-hp, (v8|h)-hp, (v12|h)-hp
		d0, d4, d8, d12 := ch-(v0+t), ch-(v4+t), ch-(v8+t), ch-(v12+t)
		b := b0&b4 | b4&b8 | b8&b12 | b12&b0
		d := d0&d4 | d4&d8 | d8&d12 | d12&d0
		return (b | d) & h
	}
	even := half(c&lo8, v0&lo8, v4&lo8, v8&lo8, v12&lo8)
	odd := half(c>>8&lo8, v0>>8&lo8, v4>>8&lo8, v8>>8&lo8, v12>>8&lo8)
	// Even lane k (pixel 2k) has bit 16k+15, odd lane k (pixel 2k+1) too.
	return even>>8 | odd
}

// fastAt is the FAST score of pixel j of rows (the centre of the 7×7
// window rows[k][j:j+7]).
func fastAt(rows *[7][]uint8, j, thr int) int32 {
	a0, a1, a2, a3, a4, a5, a6 := rows[0][j:j+7], rows[1][j:j+7], rows[2][j:j+7], rows[3][j:j+7], rows[4][j:j+7], rows[5][j:j+7], rows[6][j:j+7]
	c := int(a3[3])
	hi, lo := c+thr, c-thr
	v0, v4, v8, v12 := int(a0[3]), int(a3[6]), int(a6[3]), int(a3[0])
	// Any arc of 9 holds two neighbouring ones of pixels 0, 4, 8, 12.
	cb := above(v0, hi) | above(v4, hi)<<1 | above(v8, hi)<<2 | above(v12, hi)<<3
	cd := above(lo, v0) | above(lo, v4)<<1 | above(lo, v8)<<2 | above(lo, v12)<<3
	b := cb&(cb>>1|cb<<3) != 0
	d := cd&(cd>>1|cd<<3) != 0
	if !b && !d {
		return 0
	}
	// Bit k of mb: circle pixel k above hi; of md: below lo and not above
	// hi (a pixel can be both when thr < 0, and then counts as brighter).
	var mb, md uint32
	if b || (d && thr < 0) {
		mb = cb&1 | above(int(a0[4]), hi)<<1 | above(int(a1[5]), hi)<<2 | above(int(a2[6]), hi)<<3 |
			cb&2<<3 | above(int(a4[6]), hi)<<5 | above(int(a5[5]), hi)<<6 | above(int(a6[4]), hi)<<7 |
			cb&4<<6 | above(int(a6[2]), hi)<<9 | above(int(a5[1]), hi)<<10 | above(int(a4[0]), hi)<<11 |
			cb&8<<9 | above(int(a2[0]), hi)<<13 | above(int(a1[1]), hi)<<14 | above(int(a0[2]), hi)<<15
	}
	if d {
		md = cd&1 | above(lo, int(a0[4]))<<1 | above(lo, int(a1[5]))<<2 | above(lo, int(a2[6]))<<3 |
			cd&2<<3 | above(lo, int(a4[6]))<<5 | above(lo, int(a5[5]))<<6 | above(lo, int(a6[4]))<<7 |
			cd&4<<6 | above(lo, int(a6[2]))<<9 | above(lo, int(a5[1]))<<10 | above(lo, int(a4[0]))<<11 |
			cd&8<<9 | above(lo, int(a2[0]))<<13 | above(lo, int(a1[1]))<<14 | above(lo, int(a0[2]))<<15
		md &^= mb
	}
	sc := 0
	if b && arc9(mb) {
		for _, v := range ring(a0, a1, a2, a3, a4, a5, a6) {
			if v > hi {
				sc += v - hi
			}
		}
	}
	if d && arc9(md) {
		sd := 0
		for _, v := range ring(a0, a1, a2, a3, a4, a5, a6) {
			if v < lo && v <= hi {
				sd += lo - v
			}
		}
		sc = max(sc, sd)
	}
	return int32(sc)
}

// above is 1 when a > b, else 0.
func above(a, b int) uint32 { return uint32((b - a) >> 63 & 1) }

// ring is the circle's pixels round the centre of the 7×7 window with
// rows a0..a6 (each 7 wide), in circle order.
func ring(a0, a1, a2, a3, a4, a5, a6 []uint8) [16]int {
	return [16]int{
		int(a0[3]), int(a0[4]), int(a1[5]), int(a2[6]), int(a3[6]), int(a4[6]), int(a5[5]), int(a6[4]),
		int(a6[3]), int(a6[2]), int(a5[1]), int(a4[0]), int(a3[0]), int(a2[0]), int(a1[1]), int(a0[2]),
	}
}

// nonMax appends to out the corners of row y whose score is a 3×3 local
// maximum (ties go to the top-left one); up, mid and down are the scores
// of rows y−1, y and y+1 (index x).
func nonMax(g *Gray, y int, up, mid, down []int32, out []corner) []corner {
	w := g.W
	for x := edge; x < w-edge; x++ {
		s := mid[x]
		if s == 0 {
			continue
		}
		u, d := up[x-1:x+2], down[x-1:x+2]
		if s < mid[x-1] || s <= mid[x+1] || s < u[0] || s < u[1] || s < u[2] ||
			s <= d[0] || s <= d[1] || s <= d[2] {
			continue
		}
		out = append(out, corner{x: x, y: y, r: harris(g, x, y)})
	}
	return out
}

// circleOffsets are the circle's pixels (in ring's order) as offsets
// from the centre in a picture w wide.
func circleOffsets(w int) [16]int {
	d := [16][2]int{{0, -3}, {1, -3}, {2, -2}, {3, -1}, {3, 0}, {3, 1}, {2, 2}, {1, 3},
		{0, 3}, {-1, 3}, {-2, 2}, {-3, 1}, {-3, 0}, {-3, -1}, {-2, -2}, {-1, -3}}
	var off [16]int
	for k, p := range d {
		off[k] = p[1]*w + p[0]
	}
	return off
}

// arc9x64 is arc9 for 64 pixels at once: masks[k] (masks[16+k]) holds bit
// i when circle pixel k of pixel i is brighter (darker); bit i of the
// result is set when pixel i has 9 consecutive brighter or 9 consecutive
// darker circle pixels.
func arc9x64(masks *[32]uint64) uint64 {
	var out uint64
	for side := 0; side < 32; side += 16 {
		m := (*[16]uint64)(masks[side : side+16])
		var a, b [16]uint64
		for k := range a {
			a[k] = m[k] & m[(k+1)&15] // circle pixels k..k+1
		}
		for k := range b {
			b[k] = a[k] & a[(k+2)&15] // k..k+3
		}
		for k := range a {
			a[k] = b[k] & b[(k+4)&15] // k..k+7
		}
		for k := range a {
			out |= a[k] & m[(k+8)&15] // k..k+8
		}
	}
	return out
}

// arc9 reports whether the 16-bit circular mask m has 9 consecutive set bits.
func arc9(m uint32) bool {
	if m == 0 {
		return false
	}
	m |= m << 16
	a := m & (m >> 1) // bit i: bits i..i+1 set
	a &= a >> 2       // i..i+3
	a &= a >> 4       // i..i+7
	a &= m >> 8       // i..i+8
	return a != 0
}

// harris is the Harris corner response over a 7×7 block of Sobel gradients.
// The sums are kept in integers: every term and partial sum is an integer
// below 2^53 in magnitude (49 × 1020²), so the float64 sums of the same
// terms are exact and equal to these.
func harris(g *Gray, x, y int) float32 {
	w := g.W
	p := g.Pix
	var sxx, syy, sxy int
	const r = harrisBlock / 2
	const n = 2*r + 3 // the block's columns and one on either side
	for dy := -r; dy <= r; dy++ {
		o := (y+dy)*w + x - r - 1
		up, mid, dn := p[o-w:][:n], p[o:][:n], p[o+w:][:n]
		for k := 1; k < n-1; k++ {
			gx := 2*(int(mid[k+1])-int(mid[k-1])) + int(up[k+1]) - int(up[k-1]) + int(dn[k+1]) - int(dn[k-1])
			gy := 2*(int(dn[k])-int(up[k])) + int(dn[k-1]) - int(up[k-1]) + int(dn[k+1]) - int(up[k+1])
			sxx += gx * gx
			syy += gy * gy
			sxy += gx * gy
		}
	}
	// Normalise so that the response does not depend on the block size.
	nrm := 1.0 / (float64(harrisBlock*harrisBlock) * 16 * 255)
	fxx, fyy, fxy := float64(sxx)*nrm, float64(syy)*nrm, float64(sxy)*nrm
	return float32(fxx*fyy - fxy*fxy - harrisK*(fxx+fyy)*(fxx+fyy))
}

// spread keeps up to n corners of one level: the picture (in input pixels,
// so that cells are the same at every level) is cut into a grid whose
// longer side has `grid` cells; each cell first keeps its share, strongest
// first, then the rest is filled by response. Ties break by position, so
// the result is deterministic.
func spread(cs []corner, n, w, h, grid int, scale, W, H float64) []corner {
	if n <= 0 || len(cs) == 0 {
		return nil
	}
	slices.SortFunc(cs, func(a, b corner) int {
		if a.r != b.r {
			if a.r > b.r {
				return -1
			}
			return 1
		}
		if a.y != b.y {
			return a.y - b.y
		}
		return a.x - b.x
	})
	if len(cs) <= n {
		return cs
	}
	if grid <= 0 {
		return cs[:n]
	}
	gx, gy := grid, grid
	if W > H {
		gy = max(1, int(math.Round(float64(grid)*H/W)))
	} else {
		gx = max(1, int(math.Round(float64(grid)*W/H)))
	}
	cells := gx * gy
	per := max(1, (n+cells-1)/cells)
	count := make([]int, cells)
	taken := make([]bool, len(cs))
	out := make([]corner, 0, n)
	for i, c := range cs {
		cx := min(gx-1, int(float64(c.x)*float64(gx)/float64(w)))
		cy := min(gy-1, int(float64(c.y)*float64(gy)/float64(h)))
		k := cy*gx + cx
		if count[k] < per {
			count[k]++
			taken[i] = true
			out = append(out, c)
			if len(out) == n {
				return out
			}
		}
	}
	for i, c := range cs {
		if !taken[i] {
			out = append(out, c)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// orientation is the angle of the intensity centroid over the disc of
// radius orientRadius around (x, y).
func orientation(g *Gray, x, y int) float64 {
	var m10, m01 int
	w := g.W
	for dy := -orientRadius; dy <= orientRadius; dy++ {
		span := discSpan[dy+orientRadius]
		o := (y+dy)*w + x
		row := g.Pix[o-span : o+span+1]
		var sum, wsum int
		for k, v := range row {
			sum += int(v)
			wsum += k * int(v)
		}
		// Σ dx·v with dx = k − span.
		m10 += wsum - span*sum
		m01 += dy * sum
	}
	return math.Atan2(float64(m01), float64(m10))
}

// discSpan[dy+orientRadius] is the half-width of the orientation disc's
// row dy.
var discSpan = func() (s [2*orientRadius + 1]int) {
	for dy := -orientRadius; dy <= orientRadius; dy++ {
		s[dy+orientRadius] = int(math.Sqrt(float64(orientRadius*orientRadius - dy*dy)))
	}
	return s
}()

// integral is the summed-area table of g: entry (y, x) of its (H+1)×(W+1)
// rows is the sum of the pixels above and left of (x, y).
func integral(g *Gray) []int32 { return integralInto(g, nil) }

// integralInto is integral in buf when it is large enough.
func integralInto(g *Gray, buf []int32) []int32 {
	w, h := g.W, g.H
	n := (w + 1) * (h + 1)
	var s []int32
	if cap(buf) >= n {
		s = buf[:n]
		clear(s[:w+1])
	} else {
		s = make([]int32, n)
	}
	for y := 0; y < h; y++ {
		src := g.Pix[y*w:][:w]
		prev := s[y*(w+1)+1:][:len(src)]
		cur := s[(y+1)*(w+1):]
		cur[0] = 0
		cur = cur[1:][:len(src)]
		var row int32
		for x, v := range src {
			row += int32(v)
			cur[x] = prev[x] + row
		}
	}
	return s
}
