// Package signal is the seam for kinds of signal: a Type says how a value
// is computed from a decoded picture (a frame or a view of it), how two
// values compare, how values are stored as text, and which index finds
// registered values near a query value. PDQ (internal/signal/pdq) is the
// first type; the fingerprint pipeline computes every registered type,
// the registry stores values by type and version, the snapshot indexes
// each type with its own index, and matching merges the hits of all types
// into the same time-aligned evidence.
//
// Adding a type is: implement Type in its own package (or file), and
// register it once with Register (for a built-in type, one line in
// internal/fingerprint/signals.go).
package signal

import (
	"fmt"
	"image"
	"slices"
	"sync"
)

// Kind is the kind of media a type applies to.
type Kind string

// The kinds of media, as internal/media names them.
const (
	Image Kind = "image" // still images
	Video Kind = "video" // frames of videos and animations
)

// Value is one signal of one picture; its concrete type belongs to the
// Type that computed it.
type Value any

// Ref says where a registered value comes from: positions in the registry
// snapshot of the case, the medium and the frame.
type Ref struct {
	Case, Media, Frame int32
}

// Hit is a registered value near a query value.
type Hit struct {
	Ref
	Distance int // on the type's scale (see Type.Scale)
}

// Index finds registered values near a query value. Add is called for
// every registered value, then Build once; Search may then be called
// concurrently.
type Index interface {
	Add(v Value, ref Ref)
	Build()
	// Search appends to dst the registered values within maxDist of q.
	Search(q Value, maxDist int, dst []Hit) []Hit
	Len() int
}

// Type is one kind of signal.
type Type interface {
	// Name is stored with every value ("pdq", lower case, no spaces).
	Name() string
	// Version is stored with every value; bump it when values computed by
	// the new code no longer compare with old ones. Registered values of
	// another version are not matched, and the registry says they are
	// out of date.
	Version() int
	// Kinds are the kinds of media the type is computed for.
	Kinds() []Kind
	// Compute computes the signal of a decoded picture; quality (0–100)
	// says how informative the picture is (a flat picture is 0). ok is
	// false when the picture is too small or empty to compute it.
	Compute(img image.Image) (v Value, quality int, ok bool)
	// Distance is how far apart two values are, 0 for identical, at most
	// Scale.
	Distance(a, b Value) int
	// Scale is the largest distance: distances are reported, and compared
	// with the configured thresholds (made for PDQ's 256 bits), as
	// 256 × distance / Scale.
	Scale() int
	// Thresholds are the distances (on the type's own scale) at which a
	// frame is a strong hit and a weak one.
	Thresholds() (match, possible int)
	// NewIndex returns an empty index for about n values.
	NewIndex(n int) Index
	// Encode and Decode are the text form values are stored and
	// exchanged in (bundles).
	Encode(v Value) string
	Decode(s string) (Value, error)
}

var (
	mu    sync.RWMutex
	types = map[string]Type{}
)

// Register makes a type known: fingerprints computed after it carry its
// values, and registered values of it are matched. Registering a name
// twice panics: it is a programming error.
func Register(t Type) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := types[t.Name()]; dup {
		panic(fmt.Sprintf("signal: type %q registered twice", t.Name()))
	}
	types[t.Name()] = t
}

// Unregister removes a type (for tests that register a type of their own).
func Unregister(name string) {
	mu.Lock()
	defer mu.Unlock()
	delete(types, name)
}

// Lookup returns the registered type of that name.
func Lookup(name string) (Type, bool) {
	mu.RLock()
	defer mu.RUnlock()
	t, ok := types[name]
	return t, ok
}

// Types returns the registered types, by name.
func Types() []Type {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Type, 0, len(types))
	for _, t := range types {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Type) int {
		switch {
		case a.Name() < b.Name():
			return -1
		case a.Name() > b.Name():
			return 1
		}
		return 0
	})
	return out
}

// AppliesTo reports whether t is computed for media of kind k.
func AppliesTo(t Type, k Kind) bool { return slices.Contains(t.Kinds(), k) }

// Linear is an index that compares a query with every registered value:
// right for small registries and for types without a better index.
type Linear struct {
	T    Type
	vals []Value
	refs []Ref
}

// NewLinear returns an empty linear index of type t.
func NewLinear(t Type, n int) *Linear {
	return &Linear{T: t, vals: make([]Value, 0, n), refs: make([]Ref, 0, n)}
}

// Add implements Index.
func (x *Linear) Add(v Value, ref Ref) { x.vals = append(x.vals, v); x.refs = append(x.refs, ref) }

// Build implements Index.
func (x *Linear) Build() {}

// Len implements Index.
func (x *Linear) Len() int { return len(x.vals) }

// Search implements Index.
func (x *Linear) Search(q Value, maxDist int, dst []Hit) []Hit {
	for i, v := range x.vals {
		if d := x.T.Distance(q, v); d <= maxDist {
			dst = append(dst, Hit{Ref: x.refs[i], Distance: d})
		}
	}
	return dst
}
