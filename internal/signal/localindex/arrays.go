package localindex

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/provcheck/provcheck/internal/signal/orb"
)

// Arrays are an index's contents as flat arrays, so that it can be written
// to a file and used again from a read-only memory map of it (FromArrays)
// without being built: the key bits, per table the chain heads, bucket
// counts and next links, the descriptors and keypoints, the frame of each
// descriptor and the frames.
type Arrays struct {
	Bits, RehashedAt, Live int
	KeyBits                [Tables][maxKeyBits]uint8
	Head, Count, Next      [Tables][]uint32
	Desc                   []orb.Descriptor
	Kps                    []orb.Keypoint
	FrameOf                []uint32
	Frames                 []FrameRecord
}

// FrameRecord is one registered picture in Arrays: its ref, its run of
// descriptors and keypoints, its size, and whether it was removed.
type FrameRecord = frame

// Arrays returns the index's arrays; they share memory with the index,
// which must not be changed while they are used.
func (ix *Index) Arrays() Arrays {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	a := Arrays{Bits: ix.bits, RehashedAt: ix.rehashedAt, Live: ix.live, KeyBits: ix.keyBits,
		Desc: ix.desc, Kps: ix.kps, FrameOf: ix.frameOf, Frames: ix.frames}
	for t := range ix.tables {
		a.Head[t], a.Count[t], a.Next[t] = ix.tables[t].head, ix.tables[t].count, ix.tables[t].next
	}
	return a
}

// FromArrays returns a read-only index over arrays (typically mapped from
// a file written from Arrays): it can be queried, never added to or
// removed from. The arrays are checked for consistency first — their
// lengths and every frame's run of descriptors — and queries check every
// link and id they follow, so that a damaged file is refused or ignored,
// never read out of bounds.
func FromArrays(o Options, a Arrays) (*Index, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	ix := &Index{opts: o, bits: a.Bits, rehashedAt: a.RehashedAt, live: a.Live, keyBits: a.KeyBits,
		desc: a.Desc, kps: a.Kps, frameOf: a.FrameOf, frames: a.Frames, readOnly: true}
	for t := range ix.tables {
		ix.tables[t] = table{head: a.Head[t], count: a.Count[t], next: a.Next[t]}
	}
	return ix, nil
}

// ErrDamaged is returned by FromArrays for arrays that do not fit together.
var ErrDamaged = errors.New("local index arrays are damaged")

func (a *Arrays) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrDamaged, fmt.Sprintf(format, args...))
	}
	if a.Bits < minKeyBits || a.Bits > maxKeyBits {
		return bad("key of %d bits", a.Bits)
	}
	n := len(a.Desc)
	if len(a.Kps) != n || len(a.FrameOf) != n {
		return bad("%d descriptors, %d keypoints, %d frame ids", n, len(a.Kps), len(a.FrameOf))
	}
	for t := range a.Head {
		if len(a.Head[t]) != 1<<a.Bits || len(a.Count[t]) != 1<<a.Bits || len(a.Next[t]) != n {
			return bad("table %d has %d heads, %d counts, %d links for %d descriptors", t, len(a.Head[t]), len(a.Count[t]), len(a.Next[t]), n)
		}
	}
	// Links, heads and frame ids are bounds-checked where queries read
	// them (reading them all here would read most of the index); the
	// frames are few and checked now.
	live := 0
	for i := range a.Frames {
		f := &a.Frames[i]
		if uint64(f.start)+uint64(f.n) > uint64(n) {
			return bad("frame %d: descriptors %d+%d of %d", i, f.start, f.n, n)
		}
		switch *(*uint8)(unsafe.Pointer(&f.removed)) {
		case 0:
			live++
		case 1:
		default:
			return bad("frame %d: removed flag %d", i, *(*uint8)(unsafe.Pointer(&f.removed)))
		}
	}
	if live != a.Live {
		return bad("%d frames alive, %d recorded", live, a.Live)
	}
	return nil
}
