package registry

import (
	"context"
	"errors"
)

// ErrUnavailable marks a failure to reach the registry's database (a
// server that is down or unreachable), as opposed to a bad request.
var ErrUnavailable = errors.New("registry database unavailable")

// ChangeLog is implemented by stores that record which cases each write
// touched, so a process holding an index of the registry can bring it up to
// date by applying what changed instead of reloading everything.
type ChangeLog interface {
	// Changes returns what changed after generation since, read in one
	// consistent view of the store: the current state of every case
	// created or changed, and the ids of the cases removed.
	Changes(ctx context.Context, since int64) (Changes, error)
}

// Changes is what changed in a registry between two generations.
type Changes struct {
	Generation int64    // the store's generation the changes bring a reader to
	Full       bool     // the log does not reach back far enough: reload everything
	Upserted   []Case   // cases created or changed, as they are now
	Removed    []string // ids of cases removed
	// StopFrames is every stop frame when the stop-list changed (the
	// index must then be rebuilt), nil otherwise.
	StopFrames []StopFrame
}

// Empty reports whether nothing changed.
func (c Changes) Empty() bool {
	return !c.Full && len(c.Upserted) == 0 && len(c.Removed) == 0 && c.StopFrames == nil
}

// stopFramesChanged is the change-log entry of a write to the stop-list.
const stopFramesChanged = ""

// The change log keeps the case ids of the last changeLogKeep
// generations; a reader further behind reloads everything. It is pruned
// every changeLogPruneEvery generations.
const (
	changeLogKeep       = 100_000
	changeLogPruneEvery = 1000
)

// fill resolves the changed ids into cases (those still there) and
// removals (those gone).
func (c *Changes) fill(ids []string, load func([]string) ([]Case, error), stops func() ([]StopFrame, error)) error {
	caseIDs := make([]string, 0, len(ids))
	for _, id := range ids {
		if id == stopFramesChanged {
			s, err := stops()
			if err != nil {
				return err
			}
			c.StopFrames = s
			continue
		}
		caseIDs = append(caseIDs, id)
	}
	if len(caseIDs) == 0 {
		return nil
	}
	cases, err := load(caseIDs)
	if err != nil {
		return err
	}
	found := make(map[string]bool, len(cases))
	for _, k := range cases {
		found[k.ID] = true
	}
	c.Upserted = cases
	for _, id := range caseIDs {
		if !found[id] {
			c.Removed = append(c.Removed, id)
		}
	}
	return nil
}
