// Package pdq implements Meta's PDQ perceptual image hash: a 256-bit hash of
// an image's luminance built from a 16×16 block of DCT coefficients, with a
// quality metric and the eight dihedral variants (rotations and flips).
//
// The implementation follows the reference C++ hasher (ThreatExchange
// pdq/cpp) step by step, in float32 and in the same order of operations, so
// that identical pixels give the reference hash (up to a bit or two where the
// order of floating-point rounding could differ):
//
//  1. Size limit. An image wider or taller than 512 pixels is first resized
//     to exactly 512×512 by nearest-neighbour sampling (source index
//     ⌊i·old/512⌋ on each axis), as the reference photo hasher does before
//     hashing. Smaller images are used as they are.
//  2. Luminance. Each pixel becomes Y = 0.299·R + 0.587·G + 0.114·B on its
//     8-bit values; greyscale images use the grey value directly. Alpha is
//     ignored: the straight (non-premultiplied) colour is hashed.
//  3. Too small. If either side is below 5 pixels the hash is all zeros with
//     quality 0.
//  4. Blur. A Jarosz tent filter: two rounds of a 1-D box filter along rows
//     then along columns, with window ⌈cols/128⌉ along rows and ⌈rows/128⌉
//     along columns (running sums, shrinking windows at the edges).
//  5. Decimate to 64×64 by sampling the blurred image at the centres
//     ⌊(i+0.5)·n/64⌋. A 64×64 input skips steps 4 and 5.
//  6. Quality. The sum over all neighbouring pairs of the 64×64 buffer of
//     |⌊(u−v)·100/255⌋|, divided by 90 and capped at 100. Below about 50 the
//     image has too little structure for the hash to be trusted.
//  7. DCT. B = D·A·Dᵀ where D is the 16×64 DCT-II matrix
//     √(2/64)·cos(π/128·(i+1)·(2j+1)) for i = 0..15 (frequencies 1..16, the
//     DC row skipped), giving a 16×16 block of coefficients.
//  8. Bits. Bit i·16+j is set when B[i][j] is strictly greater than the
//     median of the 256 coefficients (Torben's selection median).
//
// The dihedral hashes (rotations by 90°, 180°, 270°, and the flips about the
// vertical axis, horizontal axis and both diagonals) come from the same 16×16
// coefficients: each transform is a transpose and/or sign changes of
// alternate rows or columns, so no re-hashing is needed.
//
// FromImage, FromLuma and the Dihedral functions are safe for concurrent
// use. A Hasher does the same with reusable buffers, for hashing video frames
// by the thousand without allocating; Hasher.Luma64 then exposes the 64×64
// grid of step 5 for other fingerprints of the same picture.
//
// Hash distances: two hashes of the same picture typically differ in fewer
// than about 30 of 256 bits; unrelated pictures differ in about 128.
package pdq
