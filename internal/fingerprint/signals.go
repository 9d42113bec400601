package fingerprint

import (
	"fmt"
	"image"
	"slices"
	"strconv"
	"strings"

	"github.com/provcheck/provcheck/internal/signal"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/views"
)

// The built-in signal types, one registration line each.
func init() {
	signal.Register(pdq.Signal{})
}

// extraSignals computes, for a picture of kind k, every registered signal
// type but PDQ (which the frame hashes natively, with its views).
func extraSignals(img image.Image, k signal.Kind) []Signal {
	var out []Signal
	for _, t := range signal.Types() {
		if t.Name() == "pdq" || !signal.AppliesTo(t, k) {
			continue
		}
		v, q, ok := t.Compute(img)
		if !ok {
			continue
		}
		out = append(out, Signal{Type: t.Name(), Version: t.Version(), Value: t.Encode(v), Quality: q})
	}
	return out
}

// Version says what made a fingerprint: each signal type's version and the
// views' ("pdq/1 views/2"). A registered fingerprint of an older version
// (or without a type registered since) matches worse than a new one.
func Version() string {
	parts := []string{"views/" + strconv.Itoa(views.Version)}
	for _, t := range signal.Types() {
		parts = append(parts, fmt.Sprintf("%s/%d", t.Name(), t.Version()))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// LegacyVersion is the version of a registered fingerprint made before
// versions were recorded: PDQ 1, and views 2 when its frames have the
// zoom70 view (added with views 2), else views 1.
func LegacyVersion(fp *Fingerprint) string {
	vv := 1
	for _, f := range fp.Frames {
		if slices.ContainsFunc(f.Views, func(v View) bool { return v.Name == "zoom70" }) {
			vv = 2
			break
		}
	}
	return fmt.Sprintf("pdq/1 views/%d", vv)
}

// Outdated lists what in version v is older than, or missing from, this
// build's Version ("views/1 (now 2)", "ahash missing"); none when v is
// current.
func Outdated(v string) []string {
	have := map[string]int{}
	for _, p := range strings.Fields(v) {
		name, n, ok := strings.Cut(p, "/")
		if !ok {
			continue
		}
		have[name], _ = strconv.Atoi(n)
	}
	var out []string
	for _, p := range strings.Fields(Version()) {
		name, n, _ := strings.Cut(p, "/")
		cur, _ := strconv.Atoi(n)
		switch got, ok := have[name]; {
		case !ok:
			out = append(out, name+" missing")
		case got < cur:
			out = append(out, fmt.Sprintf("%s/%d (now %d)", name, got, cur))
		}
	}
	return out
}
