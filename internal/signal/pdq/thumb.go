package pdq

// Luma64 returns the 64×64 luminance grid (row-major, 0..255) that the last
// hash was computed from: the image blurred and decimated. Other
// fingerprints of the same picture can reuse it instead of resizing the
// image again. It is valid until the Hasher's next call.
func (h *Hasher) Luma64() *[64 * 64]float32 { return &h.b64 }
