package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/provcheck/provcheck/internal/index"
	"github.com/provcheck/provcheck/internal/signal"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// The persisted index. A process that checks a few files and exits (check,
// scan) does not read and index the whole registry: it maps the index file
// kept beside the store (index.File), written at some generation, applies
// the store's changes since then on top of it as a service applies them
// to its snapshot, and reads from the store only the cases its checks hit.
// When the file is missing, damaged, made by another version, or too far
// behind the store (the changes since it no longer make a small delta),
// the registry is read and indexed whole once more, and the file is
// written again — beside the old one and renamed over it, so no reader
// ever sees a half-written file.

// The file is rewritten when the changes applied on top of it pass
// fileDeltaMax hashes or fileDeltaShare of it, or its removed and replaced
// entries fileDeadShare of it: every cold process pays for reading those
// changes, once a rebuild pays for them all.
const (
	fileDeltaMax   = 16384
	fileDeltaShare = 1.0 / 64
	fileDeadShare  = 1.0 / 16
)

// IndexFilePath is where the persisted index of the registry at location
// (a SQLite path or a postgres:// URL) is kept under the configuration's
// index_file: a path given there; by default, beside a SQLite registry
// (registry.db.index) and, for PostgreSQL, in the user cache directory
// (provcheck/index-<digest of the URL>.idx); "" when index_file is "off".
func IndexFilePath(indexFile, location string) (string, error) {
	switch indexFile {
	case rules.IndexOff:
		return "", nil
	case "":
	default:
		return indexFile, nil
	}
	if !registry.IsPostgresURL(location) {
		return location + ".index", nil
	}
	dir := os.Getenv("XDG_CACHE_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		var err error
		if dir, err = os.UserCacheDir(); err != nil {
			return "", errors.New("no cache directory for the index file: set index_file (or PROVCHECK_INDEX_FILE)")
		}
	}
	// The password is no part of which database it is.
	key := location
	if u, err := url.Parse(location); err == nil {
		if u.User != nil {
			u.User = url.User(u.User.Username())
		}
		key = u.String()
	}
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(dir, "provcheck", "index-"+hex.EncodeToString(sum[:8])+".idx"), nil
}

// IndexFile is the persisted index file the engine uses ("" none).
func (e *Engine) IndexFile() string { return e.indexPath }

// snapshotFromFile returns the snapshot on the index file brought up to
// date with the store, or nil when the file cannot be used (the reason is
// logged) or is too far behind.
func (e *Engine) snapshotFromFile(ctx context.Context) (*index.Snapshot, error) {
	if len(signal.Types()) > 1 {
		// The file indexes PDQ and the local features; other signal
		// types are indexed from every case, in memory.
		return nil, nil
	}
	o := e.indexOptions()
	f, err := index.OpenFile(e.indexPath, o)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			e.log.Debug("no index file yet", "path", e.indexPath)
		} else {
			e.log.Info("index file not used: it is built again", "path", e.indexPath, "reason", err)
		}
		return nil, nil
	}
	if o.Stop, err = e.store.StopFrames(ctx); err != nil {
		return nil, err
	}
	base := f.Snapshot(e.store, o)
	snap, err := e.update(ctx, base)
	if err != nil {
		return nil, err
	}
	if snap == nil {
		e.log.Debug("index file too far behind the registry", "path", e.indexPath, "generation", f.Generation)
		return nil, nil
	}
	n := float64(base.Index.Len())
	if d := float64(snap.DeltaLen()); d > max(fileDeltaMax, fileDeltaShare*n) || float64(snap.DeadLen()) > fileDeadShare*n {
		e.log.Debug("changes since the index file outgrew a delta", "path", e.indexPath, "delta", snap.DeltaLen(), "dead", snap.DeadLen())
		return nil, nil
	}
	e.log.Debug("index file mapped", "path", e.indexPath, "generation", f.Generation, "store_generation", snap.Generation,
		"hashes", f.Hashes(), "bytes", f.Bytes())
	return snap, nil
}

// writeIndexFile writes a snapshot built whole to the index file; a
// failure is logged, not returned: the check goes on from memory. It gives
// up, leaving the old file, when ctx ends.
func (e *Engine) writeIndexFile(ctx context.Context, s *index.Snapshot) {
	if len(signal.Types()) > 1 {
		return
	}
	start := time.Now()
	if err := index.WriteFileContext(ctx, e.indexPath, s); ctx.Err() != nil {
		e.log.Debug("index file not written: the check ended", "path", e.indexPath)
		return
	} else if err != nil {
		e.log.Warn("could not write the index file (set index_file to a writable path, or off)", "path", e.indexPath, "err", err)
		return
	}
	e.log.Debug("index file written", "path", e.indexPath, "generation", s.Generation, "took", time.Since(start))
}
