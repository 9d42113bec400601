//go:build amd64 && !purego

package jpegdec

import "golang.org/x/sys/cpu"

// hasVector: the processor has AVX-512 (16 float32 lanes, byte packing),
// which idct4x uses.
var hasVector = cpu.X86.HasAVX512F

// idct4x is idct4 on the vector unit: the 4×4 block in (row-major) is
// transformed as M·in·Mᵀ, each pass's four products per value added in
// idct4's order, and the pixels clamped as clampPix does and written
// to dst, 4 rows stride bytes apart. tab holds, per pass and term k, the
// matrix factors (idct4Tables).
//
//go:noescape
func idct4x(in *float32, dst *uint8, stride int, tab *idct4Table)
