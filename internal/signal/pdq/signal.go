package pdq

import (
	"image"

	"github.com/provcheck/provcheck/internal/signal"
)

// Version is the version of PDQ values provcheck computes and stores. The
// hashes are bit-exact with Meta's reference, so it changes only if that
// does.
const Version = 1

// Signal is PDQ as a signal type: the first one, and the one the matcher
// runs natively (frames, views and the multi-index hashing index of
// internal/index work on Hash directly, for speed); the Type describes it
// like any other.
type Signal struct{}

var _ signal.Type = Signal{}

// Name implements signal.Type.
func (Signal) Name() string { return "pdq" }

// Version implements signal.Type.
func (Signal) Version() int { return Version }

// Kinds implements signal.Type.
func (Signal) Kinds() []signal.Kind { return []signal.Kind{signal.Image, signal.Video} }

// Compute implements signal.Type.
func (Signal) Compute(img image.Image) (signal.Value, int, bool) {
	h, q := FromImage(img)
	if q == 0 && h.IsZero() {
		return nil, 0, false
	}
	return h, q, true
}

// Distance implements signal.Type: Hamming distance of 256 bits.
func (Signal) Distance(a, b signal.Value) int { return Distance(a.(Hash), b.(Hash)) }

// Scale implements signal.Type.
func (Signal) Scale() int { return 256 }

// Thresholds implements signal.Type: the defaults of the configuration
// (thresholds.match_distance, thresholds.possible_distance), which the
// matcher uses for PDQ in their place.
func (Signal) Thresholds() (int, int) { return 31, 45 }

// NewIndex implements signal.Type with a linear index; the matcher uses
// internal/index's multi-index hashing for PDQ.
func (s Signal) NewIndex(n int) signal.Index { return signal.NewLinear(s, n) }

// Encode implements signal.Type: the reference hex form.
func (Signal) Encode(v signal.Value) string { return v.(Hash).String() }

// Decode implements signal.Type.
func (Signal) Decode(s string) (signal.Value, error) { return Parse(s) }
