package registry

import (
	"context"
	"strings"
	"time"

	"github.com/provcheck/provcheck/internal/fingerprint"
)

// Store keeps cases durably. Every method that changes the registry does so
// in one transaction: it is applied whole or not at all. The SQLite store is
// the embedded default; a server database can implement the same interface.
type Store interface {
	// Upsert creates the case, or merges it into the case with the same id
	// (see Merge), and returns the stored result.
	Upsert(ctx context.Context, c Case) (Case, error)
	// Get returns one case with its media fingerprints, or ErrNotFound.
	Get(ctx context.Context, id string) (Case, error)
	// List summarises every case, ordered by id.
	List(ctx context.Context) ([]Summary, error)
	// Remove deletes a case with its media and fact-checks, or ErrNotFound.
	Remove(ctx context.Context, id string) error
	// Import merges many cases in one transaction.
	Import(ctx context.Context, cases []Case) error
	// ImportBundle merges a bundle's cases and stop frames in one
	// transaction.
	ImportBundle(ctx context.Context, b Bundle) error
	// ImportStream merges the cases fill passes to put, and then adds the
	// stop frames it returns, in one transaction committed only if fill
	// returns nil: a registry is never half-imported, and the cases need
	// not be held in memory together.
	ImportStream(ctx context.Context, fill func(put func(Case) error) ([]StopFrame, error)) error
	// All returns every case with its media fingerprints, ordered by id.
	All(ctx context.Context) ([]Case, error)
	// Each calls fn with every case with its media fingerprints, ordered
	// by id, read a page at a time in one read transaction (a consistent
	// view), so the memory it takes does not grow with the registry; an
	// error of fn stops it.
	Each(ctx context.Context, fn func(Case) error) error
	// WithDigest lists the registered media whose file has this SHA-256
	// (lower-case hex), by case id and name; none is not an error. It
	// looks the digest up in an index, never scans.
	WithDigest(ctx context.Context, sha256 string) ([]MediaRef, error)
	// Generation changes whenever the registry changes (in this process or
	// another one sharing the store), so readers know when to reload.
	Generation(ctx context.Context) (int64, error)
	StopList
	Close() error
}

// MediaRef names one registered medium: its case and its name.
type MediaRef struct {
	CaseID string `json:"case_id"`
	Name   string `json:"name"`
}

// Summary is one line of a registry listing.
type Summary struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Rating     string    `json:"rating,omitempty"`
	Category   Category  `json:"category,omitempty"`
	Media      int       `json:"media"`
	Frames     int       `json:"frames"`
	FactChecks int       `json:"fact_checks"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Versions are the distinct versions of what made the media's
	// fingerprints (fingerprint.Version), oldest first.
	Versions []string `json:"fingerprint_versions,omitempty"`
}

func splitVersions(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// mediaAt is where a medium read from the media table sits in the cases
// being loaded: case index, media index.
type mediaAt struct{ c, m int }

// frameAt is the frame a row of a frame-level table (views, signals, local
// features) belongs to, by its medium's row id and the frame's sequence
// number; nil when the row names no loaded frame.
func frameAt(cases []Case, media map[int64]mediaAt, mid int64, seq int) *fingerprint.Frame {
	at, ok := media[mid]
	if !ok {
		return nil
	}
	frames := cases[at.c].Media[at.m].Fingerprint.Frames
	if seq < 0 || seq >= len(frames) {
		return nil
	}
	return &frames[seq]
}

// eachPaged calls fn with every case of the pages page returns, the first
// page after "" and each next one after the last id of the one before,
// until a page holds fewer than eachPage cases (Store.Each). A case
// handed to fn is no longer held.
func eachPaged(page func(after string) ([]Case, error), fn func(Case) error) error {
	after := ""
	for {
		cases, err := page(after)
		if err != nil || len(cases) == 0 {
			return err
		}
		after = cases[len(cases)-1].ID
		for i := range cases {
			if err := fn(cases[i]); err != nil {
				return err
			}
			cases[i] = Case{}
		}
		if len(cases) < eachPage {
			return nil
		}
	}
}
