// Package buildinfo says which provcheck this is: the version, the VCS
// revision and the time of that revision, read from the build information
// the Go toolchain embeds (runtime/debug.ReadBuildInfo). A release build may
// set them with -ldflags:
//
//	go build -ldflags "-X github.com/provcheck/provcheck/internal/buildinfo.version=v1.2.0 \
//	    -X github.com/provcheck/provcheck/internal/buildinfo.commit=$(git rev-parse HEAD) \
//	    -X github.com/provcheck/provcheck/internal/buildinfo.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" ./cmd/provcheck
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Set with -ldflags -X; empty means "read the build information".
var (
	version string
	commit  string
	date    string
)

// Info describes the running build.
type Info struct {
	// Version is the release version (v1.2.0), the pseudo-version the Go
	// toolchain derives from the VCS (v0.0.0-20261201211502-18f9090abcde),
	// or "dev" when neither is known.
	Version string `json:"version"`
	// Commit is the full VCS revision, empty when unknown.
	Commit string `json:"commit,omitempty"`
	// Date is the time of that revision (RFC 3339), empty when unknown.
	Date string `json:"date,omitempty"`
	// Modified is true when the work tree had uncommitted changes.
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"go_version"`
}

// Get returns the build's description.
func Get() Info {
	bi, ok := debug.ReadBuildInfo()
	return from(bi, ok, version, commit, date)
}

// from combines the embedded build information with the -ldflags values,
// which win when set.
func from(bi *debug.BuildInfo, ok bool, ldVersion, ldCommit, ldDate string) Info {
	in := Info{Version: "dev", GoVersion: runtime.Version()}
	if ok && bi != nil {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			in.Version = v
		}
		if bi.GoVersion != "" {
			in.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				in.Commit = s.Value
			case "vcs.time":
				in.Date = s.Value
			case "vcs.modified":
				in.Modified = s.Value == "true"
			}
		}
	}
	if ldVersion != "" {
		in.Version = ldVersion
	}
	if ldCommit != "" {
		in.Commit, in.Modified = ldCommit, false
	}
	if ldDate != "" {
		in.Date = ldDate
	}
	return in
}

// ShortCommit is the first 12 hex digits of the revision.
func (in Info) ShortCommit() string {
	if len(in.Commit) > 12 {
		return in.Commit[:12]
	}
	return in.Commit
}

// String is the one line `provcheck --version` prints after the name:
// "v1.2.0 (commit 18f9090abcde, 2026-12-01T21:15:02Z, go1.26.8)".
func (in Info) String() string {
	var parts []string
	if in.Commit != "" {
		c := "commit " + in.ShortCommit()
		if in.Modified {
			c += "+modified"
		}
		parts = append(parts, c)
	}
	if in.Date != "" {
		parts = append(parts, in.Date)
	}
	parts = append(parts, in.GoVersion)
	return fmt.Sprintf("%s (%s)", in.Version, strings.Join(parts, ", "))
}
