// Package samples is the bundled demo: the NYPD–ICE case with a stand-in
// clip of the project's own making (the real clip is not redistributed), a
// repost of it that must match, and an unrelated clip that must not.
package samples

import (
	"bytes"
	_ "embed"

	"github.com/provcheck/provcheck/registry"
)

// bundle.json is case.json with the fingerprints of media/nypd-ice-standin.mp4,
// made by provcheck itself (see TestBundleIsCurrent: go test ./samples -update).
//
//go:embed bundle.json
var bundleJSON []byte

// Cases returns the bundled sample case, fingerprints included, ready to
// import into a new registry.
func Cases() ([]registry.Case, error) {
	b, err := registry.ReadBundle(bytes.NewReader(bundleJSON))
	if err != nil {
		return nil, err
	}
	return b.Cases, nil
}
