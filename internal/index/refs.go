package index

// frameTable turns the position of an indexed hash back into its
// reference, for an index whose hashes are in case, medium and frame order
// (a snapshot's base, an index file): 4 bytes a registered frame and 4 a
// medium and a case, instead of a 12-byte Ref a hash.
type frameTable struct {
	frameStart []uint32 // [F+1] position of the first hash of each frame
	mediaFrame []uint32 // [M+1] first frame of each medium
	caseMedia  []uint32 // [C+1] first medium of each case
}

// ref is the reference of the hash at position id.
func (t *frameTable) ref(id int) Ref {
	g := last(t.frameStart[:len(t.frameStart)-1], uint32(id))
	m := last(t.mediaFrame[:len(t.mediaFrame)-1], uint32(g))
	c := last(t.caseMedia[:len(t.caseMedia)-1], uint32(m))
	return Ref{Case: int32(c), Media: int32(m - int(t.caseMedia[c])), Frame: int32(g - int(t.mediaFrame[m]))}
}

// last returns the last i with s[i] ≤ v (s ascending, s[0] ≤ v).
func last(s []uint32, v uint32) int {
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s[m] <= v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}
