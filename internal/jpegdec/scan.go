package jpegdec

import (
	"io"
	"math/bits"
)

// scan decodes one SOS segment and the entropy-coded data after it.
func (d *decoder) scan(seg []byte) error {
	if !d.frameSeen {
		return FormatError("SOS before SOF")
	}
	if len(seg) < 1 {
		return FormatError("short SOS")
	}
	ns := int(seg[0])
	if ns < 1 || ns > 4 || len(seg) != 4+2*ns {
		return FormatError("bad SOS length")
	}
	sc := make([]*component, 0, ns)
	blocks := 0
	for i := 0; i < ns; i++ {
		id, tab := seg[1+2*i], seg[2+2*i]
		var c *component
		for j := range d.comps {
			if d.comps[j].id == id {
				c = &d.comps[j]
			}
		}
		if c == nil {
			return FormatError("unknown component in SOS")
		}
		for _, o := range sc {
			if o == c {
				return FormatError("repeated component in SOS")
			}
		}
		c.dcTab, c.acTab = int(tab>>4), int(tab&15)
		if c.dcTab > 3 || c.acTab > 3 {
			return FormatError("bad table selector")
		}
		sc = append(sc, c)
		blocks += c.h * c.v
	}
	if ns > 1 && blocks > 10 {
		return FormatError("too many blocks in an MCU")
	}
	ss, se := int(seg[1+2*ns]), int(seg[2+2*ns])
	ah, al := int(seg[3+2*ns]>>4), int(seg[3+2*ns]&15)
	if d.progressive {
		if ss > se || se > 63 || (ss == 0 && se != 0) || (ss > 0 && ns != 1) || al > 13 || ah > 13 {
			return FormatError("bad progressive scan parameters")
		}
	} else if ss != 0 || se != 63 || ah != 0 || al != 0 {
		// Tolerated by libjpeg; treated as a full sequential scan.
		ss, se, ah, al = 0, 63, 0, 0
	}
	// Sequential files whose single scan holds every component go straight
	// to pixels; anything else keeps coefficients until the end.
	if d.scans == 0 {
		d.stored = d.progressive || ns != len(d.comps)
	} else if !d.stored {
		return UnsupportedError("several sequential scans after an interleaved one")
	}
	d.allocate()
	d.prepareQuant()
	d.scans++
	for _, c := range sc {
		if !d.quantSet[c.tq] {
			return FormatError("missing quantisation table")
		}
		if ss == 0 && ah == 0 && !d.dc[c.dcTab].defined {
			return FormatError("missing DC Huffman table")
		}
		if se > 0 && !d.ac[c.acTab].defined {
			return FormatError("missing AC Huffman table")
		}
		c.dcPred = 0
	}
	d.eobrun = 0
	d.br.reset(d.data, d.pos)

	// MCU geometry: an interleaved scan walks MCUs; a single-component
	// scan walks the component's own blocks.
	var mx, my int
	if ns == 1 {
		mx, my = sc[0].cbw, sc[0].cbh
	} else {
		mx, my = d.mcusX, d.mcusY
	}
	var (
		blk  [64]int32
		fblk [64]float32
	)
	n := d.n
	sequential := !d.progressive
	mcu := 0
	for by := 0; by < my; by++ {
		if d.opt.Done != nil {
			select {
			case <-d.opt.Done:
				return ErrStopped
			default:
			}
		}
		for bx := 0; bx < mx; bx++ {
			if d.restart > 0 && mcu > 0 && mcu%d.restart == 0 {
				if err := d.nextRestart(); err != nil {
					return err
				}
				for _, c := range sc {
					c.dcPred = 0
				}
				d.eobrun = 0
			}
			mcu++
			for _, c := range sc {
				hh, vv := c.h, c.v
				if ns == 1 {
					hh, vv = 1, 1
				}
				for j := 0; j < vv; j++ {
					for i := 0; i < hh; i++ {
						bxx, byy := bx*hh+i, by*vv+j
						bi := byy*c.bw + bxx
						var err error
						switch {
						case sequential && !d.stored:
							if err = d.seqBlock(c, &blk); err == nil && !c.skip {
								d.dequant(c, &blk, &fblk)
								d.emit(c, &fblk, bxx, byy)
							}
						case sequential:
							if err = d.seqBlock(c, &blk); err == nil {
								k := c.coef[bi*n*n : bi*n*n+n*n]
								for i := range k {
									k[i] = int16(blk[i])
								}
							}
						case ss == 0 && ah == 0:
							err = d.dcFirst(c, bi, al)
						case ss == 0:
							d.dcRefine(c, bi, al)
						case ah == 0:
							err = d.acFirst(c, bi, ss, se, al)
						default:
							err = d.acRefine(c, bi, ss, se, al)
						}
						if err != nil {
							return err
						}
					}
				}
			}
			if d.br.overrun() {
				return io.ErrUnexpectedEOF
			}
		}
	}
	// Continue at the marker that ends the scan.
	d.pos = d.nextMarker(d.br.pos)
	return nil
}

// nextMarker returns the position of the next marker at or after p in
// entropy-coded data (0xFF followed by neither 0x00 nor 0xFF), or
// len(data).
func (d *decoder) nextMarker(p int) int {
	for ; p+1 < len(d.data); p++ {
		if d.data[p] == 0xff && d.data[p+1] != 0 && d.data[p+1] != 0xff {
			return p
		}
	}
	return len(d.data)
}

// nextRestart expects an RST marker at the current position of the bit
// stream and resets the reader after it.
func (d *decoder) nextRestart() error {
	p := d.br.pos
	// Skip to the marker (any unread stuffed bytes of the interval are
	// dropped with the bit buffer).
	for p < len(d.data) && !(d.data[p] == 0xff && p+1 < len(d.data) && d.data[p+1] != 0 && d.data[p+1] != 0xff) {
		p++
	}
	for p < len(d.data) && d.data[p] == 0xff && p+1 < len(d.data) && d.data[p+1] == 0xff {
		p++
	}
	if p+1 >= len(d.data) {
		return io.ErrUnexpectedEOF
	}
	m := d.data[p+1]
	if m >= mRST0 && m <= mRST7 {
		p += 2
	} else {
		// A missing restart marker: libjpeg resynchronises; here the data
		// is corrupt.
		return FormatError("missing restart marker")
	}
	d.br.reset(d.data, p)
	return nil
}

// seqBlock decodes one sequential block into blk: the kept n×n
// coefficients in natural order (index keep[z]), not yet dequantised.
func (d *decoder) seqBlock(c *component, blk *[64]int32) error {
	nn := d.n * d.n
	for i := range blk[:nn] {
		blk[i] = 0
	}
	br := &d.br
	s, err := br.decode(&d.dc[c.dcTab])
	if err != nil {
		return err
	}
	if s > 11 {
		return FormatError("bad DC size")
	}
	c.dcPred += br.receiveExtend(int(s))
	blk[0] = c.dcPred
	ac := &d.ac[c.acTab]
	keep := &d.keep
	for k := 1; k < 64; {
		if br.n < 16 {
			br.fill()
		}
		if f := ac.fastAC[br.acc>>(64-lutBits)]; f != 0 {
			l := uint(f & 0xff)
			br.acc <<= l
			br.n -= l
			k += int(f>>8) & 0xff
			if k > 63 {
				return FormatError("coefficient index out of range")
			}
			if ki := keep[k]; ki >= 0 {
				blk[ki] = f >> 16
			}
			k++
			continue
		}
		rs, err := br.decode(ac)
		if err != nil {
			return err
		}
		r, s := int(rs>>4), int(rs&15)
		if s == 0 {
			if r != 15 {
				break
			}
			k += 16
			continue
		}
		k += r
		if k > 63 {
			return FormatError("coefficient index out of range")
		}
		v := br.receiveExtend(s)
		if ki := keep[k]; ki >= 0 {
			blk[ki] = v
		}
		k++
	}
	return nil
}

// dequant scales the kept coefficients into the float block the
// transform wants.
func (d *decoder) dequant(c *component, blk *[64]int32, out *[64]float32) {
	q := &d.qn[c.tq]
	nn := d.n * d.n
	for i := 0; i < nn; i++ {
		out[i] = float32(blk[i]) * q[i]
	}
}

// emit writes the transformed block at block position (bx, by).
func (d *decoder) emit(c *component, f *[64]float32, bx, by int) {
	n := d.n
	off := by*n*c.stride + bx*n
	switch n {
	case 8:
		idct8(f, c.pix[off:], c.stride)
	case 4:
		if hasVector && off+3*c.stride+4 <= len(c.pix) {
			idct4x(&f[0], &c.pix[off], c.stride, &idct4Tables)
			return
		}
		idct4((*[16]float32)(f[:16]), c.pix[off:], c.stride)
	case 2:
		idctN(f[:4], 2, c.pix[off:], c.stride)
	case 1:
		c.pix[off] = clampPix(f[0] / 8)
	}
}

// transformStore turns stored coefficients into pixels.
func (d *decoder) transformStore() {
	n := d.n
	var fblk [64]float32
	d.prepareQuant()
	for i := range d.comps {
		c := &d.comps[i]
		if c.skip {
			continue
		}
		qn := &d.qn[c.tq]
		for by := 0; by < c.bh; by++ {
			for bx := 0; bx < c.bw; bx++ {
				bi := by*c.bw + bx
				k := c.coef[bi*n*n : bi*n*n+n*n]
				for ki, v := range k {
					fblk[ki] = float32(v) * qn[ki]
				}
				d.emit(c, &fblk, bx, by)
			}
		}
	}
}

// Progressive scans. Coefficients outside the kept n×n corner are not
// stored, but their nonzero bits are, since refinement scans read a
// correction bit for every coefficient already nonzero.

func (d *decoder) dcFirst(c *component, bi, al int) error {
	s, err := d.br.decode(&d.dc[c.dcTab])
	if err != nil {
		return err
	}
	if s > 11 {
		return FormatError("bad DC size")
	}
	c.dcPred += d.br.receiveExtend(int(s))
	n := d.n
	c.coef[bi*n*n] = int16(c.dcPred << uint(al))
	return nil
}

func (d *decoder) dcRefine(c *component, bi, al int) {
	if d.br.bit() {
		n := d.n
		c.coef[bi*n*n] |= 1 << uint(al)
	}
}

func (d *decoder) acFirst(c *component, bi, ss, se, al int) error {
	if d.eobrun > 0 {
		d.eobrun--
		return nil
	}
	n := d.n
	k := c.coef[bi*n*n : bi*n*n+n*n]
	nz := c.nz[bi]
	br := &d.br
	ac := &d.ac[c.acTab]
	for z := ss; z <= se; z++ {
		if br.n < 16 {
			br.fill()
		}
		if f := ac.fastAC[br.acc>>(64-lutBits)]; f != 0 {
			l := uint(f & 0xff)
			br.acc <<= l
			br.n -= l
			z += int(f>>8) & 0xff
			if z > 63 {
				return FormatError("coefficient index out of range")
			}
			nz |= 1 << uint(z)
			if ki := d.keep[z]; ki >= 0 {
				k[ki] = int16((f >> 16) << uint(al))
			}
			continue
		}
		rs, err := br.decode(ac)
		if err != nil {
			return err
		}
		r, s := int32(rs>>4), int(rs&15)
		if s == 0 {
			if r < 15 {
				d.eobrun = 1<<uint(r) - 1
				if r > 0 {
					d.eobrun += br.bits(int(r))
				}
				break
			}
			z += 15
			continue
		}
		z += int(r)
		if z > 63 {
			return FormatError("coefficient index out of range")
		}
		v := br.receiveExtend(s) << uint(al)
		nz |= 1 << uint(z)
		if ki := d.keep[z]; ki >= 0 {
			k[ki] = int16(v)
		}
	}
	c.nz[bi] = nz
	return nil
}

func (d *decoder) acRefine(c *component, bi, ss, se, al int) error {
	n := d.n
	k := c.coef[bi*n*n : bi*n*n+n*n]
	nz := c.nz[bi]
	br := &d.br
	ac := &d.ac[c.acTab]
	p1 := int16(1) << uint(al)
	m1 := int16(-1) << uint(al)
	band := bandMask(ss, se)
	// refine reads one correction bit for each already-nonzero
	// coefficient in mask (in zig-zag order) and applies those that fall
	// on kept coefficients.
	refine := func(mask uint64) {
		m := bits.OnesCount64(mask)
		if m == 0 {
			return
		}
		v := br.long(m)
		if kept := mask & d.keptMask; kept != 0 {
			for ; kept != 0; kept &= kept - 1 {
				z := bits.TrailingZeros64(kept)
				// the bit of z is after the bits of the mask's lower
				// positions
				idx := bits.OnesCount64(mask & (1<<uint(z) - 1))
				if v>>(uint(m-1-idx))&1 == 0 {
					continue
				}
				ki := d.keep[z]
				if k[ki]&p1 == 0 {
					if k[ki] >= 0 {
						k[ki] += p1
					} else {
						k[ki] += m1
					}
				}
			}
		}
	}
	z := ss
	if d.eobrun == 0 {
		for z <= se {
			rs, err := br.decode(ac)
			if err != nil {
				return err
			}
			r, s := int(rs>>4), int(rs&15)
			var val int16
			if s != 0 {
				if s != 1 {
					return FormatError("bad refinement value")
				}
				if br.bit() {
					val = p1
				} else {
					val = m1
				}
			} else if r != 15 {
				d.eobrun = 1 << uint(r)
				if r > 0 {
					d.eobrun += br.bits(r)
				}
				break
			}
			// Skip r zero-history coefficients, refining the nonzero
			// ones passed; stop on the next zero-history one (where a new
			// value goes) or past the band.
			rest := band &^ (1<<uint(z) - 1)
			zeros := rest &^ nz
			for i := 0; i < r && zeros != 0; i++ {
				zeros &= zeros - 1
			}
			p := se + 1
			if zeros != 0 {
				p = bits.TrailingZeros64(zeros)
			}
			refine(nz & rest & (1<<uint(p) - 1))
			z = p
			if val != 0 && z <= se { // past the band: corrupt, dropped as libjpeg would
				nz |= 1 << uint(z)
				if ki := d.keep[z]; ki >= 0 {
					k[ki] = val
				}
			}
			z++
		}
	}
	if d.eobrun > 0 {
		if z <= se {
			refine(nz & band &^ (1<<uint(z) - 1))
		}
		d.eobrun--
	}
	c.nz[bi] = nz
	return nil
}

// bandMask has the bits ss..se set.
func bandMask(ss, se int) uint64 {
	hi := ^uint64(0)
	if se < 63 {
		hi = 1<<uint(se+1) - 1
	}
	return hi &^ (1<<uint(ss) - 1)
}
