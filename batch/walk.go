package batch

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/provcheck/provcheck/internal/safefile"
)

// target is one path to report: a file to scan, or a problem found while
// walking (err set) that is reported for that path.
type target struct {
	path string
	err  error
}

// pathKey identifies a reported path in the sets of done files: 128 bits of
// SHA-256 of the cleaned path, so a million paths cost a few tens of MB
// whatever their length.
type pathKey [16]byte

func keyOf(p string) pathKey {
	sum := sha256.Sum256([]byte(filepath.Clean(p)))
	return pathKey(sum[:16])
}

// walkStats counts what the walk passed over; read while the walk runs.
type walkStats struct {
	symlinks atomic.Int64 // symbolic links not followed
	loops    atomic.Int64 // symbolic links back to a directory being walked
	repeated atomic.Int64 // directories or files met a second time
	excluded atomic.Int64 // files and directories left out by the globs
	previous atomic.Int64 // files already in the output (--resume)
	output   atomic.Int64 // the output file itself
}

// maxDepth stops a walk that goes implausibly deep (a loop on a system
// without inode numbers).
const maxDepth = 1024

// dirBatch is how many entries of a directory are read at once. A directory
// with up to sortLimit entries is walked in name order; a larger one in
// batches of dirBatch, each in name order, so memory stays bounded.
const (
	dirBatch  = 4096
	sortLimit = 64 * 1024
)

type walker struct {
	follow bool
	filter filter
	stdin  io.Reader
	nul    bool // stdin paths are NUL-separated
	log    *slog.Logger

	prev    map[pathKey]struct{} // reported by an earlier run; read-only
	seen    map[pathKey]struct{} // reported in this run
	visited map[fileID]struct{}  // directories entered
	stack   []fileID             // directories being walked, outermost first
	out     fileID               // the output file, never scanned
	hasOut  bool
	stats   *walkStats
}

func newWalker(follow bool, f filter, prev map[pathKey]struct{}, stats *walkStats) *walker {
	return &walker{
		follow: follow, filter: f, prev: prev, stats: stats,
		seen: map[pathKey]struct{}{}, visited: map[fileID]struct{}{},
		log: slog.New(slog.DiscardHandler),
	}
}

// targets walks roots in order; "-" reads more roots from stdin.
func (w *walker) targets(roots []string) func(yield func(target) bool) {
	return func(yield func(target) bool) {
		for _, r := range roots {
			if r == "-" {
				if !w.fromStdin(yield) {
					return
				}
				continue
			}
			if !w.root(r, yield) {
				return
			}
		}
	}
}

func (w *walker) fromStdin(yield func(target) bool) bool {
	if w.stdin == nil {
		return yield(target{path: "-", err: errors.New("no standard input")})
	}
	sc := bufio.NewScanner(w.stdin)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	if w.nul {
		sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
			if i := bytes.IndexByte(data, 0); i >= 0 {
				return i + 1, data[:i], nil
			}
			if atEOF && len(data) > 0 {
				return len(data), data, nil
			}
			return 0, nil, nil
		})
	}
	for sc.Scan() {
		p := sc.Text()
		if !w.nul {
			p = strings.TrimSuffix(p, "\r")
		}
		if strings.TrimSpace(p) == "" {
			continue
		}
		if !w.root(p, yield) {
			return false
		}
	}
	if err := sc.Err(); err != nil {
		return yield(target{path: "-", err: fmt.Errorf("reading the list of paths: %w", err)})
	}
	return true
}

// root walks a path named by the user. A symbolic link named explicitly is
// followed (as find -H does); links met inside directories are followed
// only with --follow-symlinks.
func (w *walker) root(p string, yield func(target) bool) bool {
	fi, err := os.Stat(p)
	if err != nil {
		if li, lerr := os.Lstat(p); lerr == nil && li.Mode()&fs.ModeSymlink != 0 {
			return w.file(p, relOf(p), target{p, errors.New("broken symbolic link")}, yield)
		}
		return w.file(p, relOf(p), target{p, pathError(err)}, yield)
	}
	if fi.IsDir() {
		return w.dir(p, "", fi, yield)
	}
	if w.isOutput(fi) {
		w.stats.output.Add(1)
		return true
	}
	return w.file(p, relOf(p), w.fileTarget(p, fi), yield)
}

// relOf is how globs see a path named by the user.
func relOf(p string) string {
	r := filepath.ToSlash(filepath.Clean(p))
	return strings.TrimLeft(strings.TrimPrefix(r, "./"), "/")
}

func (w *walker) fileTarget(p string, fi os.FileInfo) target {
	if fi.Mode().IsRegular() {
		return target{path: p}
	}
	return target{p, fmt.Errorf("not a regular file (%s)", safefile.Kind(fi.Mode()))}
}

// file yields t for a file unless the globs leave it out, it is the output
// file, or its path was reported already.
func (w *walker) file(p, rel string, t target, yield func(target) bool) bool {
	if !w.filter.file(rel) {
		w.stats.excluded.Add(1)
		return true
	}
	k := keyOf(p)
	if _, ok := w.prev[k]; ok {
		w.stats.previous.Add(1)
		return true
	}
	if _, ok := w.seen[k]; ok {
		w.stats.repeated.Add(1)
		return true
	}
	w.seen[k] = struct{}{}
	return yield(t)
}

func (w *walker) isOutput(fi os.FileInfo) bool {
	if !w.hasOut {
		return false
	}
	id, ok := idOf(fi)
	return ok && id == w.out
}

// dir walks directory p (rel is its path below the root, "" for the root).
func (w *walker) dir(p, rel string, fi os.FileInfo, yield func(target) bool) bool {
	if id, ok := idOf(fi); ok {
		if slices.Contains(w.stack, id) {
			w.stats.loops.Add(1)
			w.log.Info("not following a symbolic link back to a directory being scanned", "path", p)
			return true
		}
		if _, ok := w.visited[id]; ok {
			w.stats.repeated.Add(1)
			w.log.Info("directory already scanned under another name", "path", p)
			return true
		}
		w.visited[id] = struct{}{}
		w.stack = append(w.stack, id)
		defer func() { w.stack = w.stack[:len(w.stack)-1] }()
	}
	if len(w.stack) > maxDepth {
		w.stats.loops.Add(1)
		return yield(target{p, fmt.Errorf("directory nested more than %d levels deep", maxDepth)})
	}
	f, err := os.Open(p)
	if err != nil {
		return yield(target{p, fmt.Errorf("cannot read directory: %w", pathError(err))})
	}
	ents, err := readBatch(f, sortLimit)
	if err == io.EOF {
		// The whole directory is in memory: close it before descending, so
		// deep trees do not hold a descriptor per level.
		f.Close()
		return w.entries(p, rel, ents, yield)
	}
	defer f.Close()
	for {
		if err != nil && err != io.EOF {
			return yield(target{p, fmt.Errorf("cannot read directory: %w", pathError(err))})
		}
		if !w.entries(p, rel, ents, yield) {
			return false
		}
		if err == io.EOF {
			return true
		}
		ents, err = readBatch(f, dirBatch)
	}
}

// readBatch reads up to n entries; io.EOF means the directory ended.
func readBatch(f *os.File, n int) ([]fs.DirEntry, error) {
	var all []fs.DirEntry
	for len(all) < n {
		ents, err := f.ReadDir(min(dirBatch, n-len(all)))
		all = append(all, ents...)
		if err != nil {
			return all, err
		}
		if len(ents) == 0 {
			return all, io.EOF
		}
	}
	return all, nil
}

func (w *walker) entries(dir, rel string, ents []fs.DirEntry, yield func(target) bool) bool {
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		r := e.Name()
		if rel != "" {
			r = rel + "/" + e.Name()
		}
		if !w.entry(p, r, e, yield) {
			return false
		}
	}
	return true
}

func (w *walker) entry(p, rel string, e fs.DirEntry, yield func(target) bool) bool {
	typ := e.Type()
	if typ&fs.ModeSymlink != 0 {
		if !w.follow {
			w.stats.symlinks.Add(1)
			return true
		}
		fi, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				err = errors.New("broken symbolic link")
			} else {
				err = pathError(err)
			}
			return w.file(p, rel, target{p, err}, yield)
		}
		if fi.IsDir() {
			if w.filter.excluded(rel) {
				w.stats.excluded.Add(1)
				return true
			}
			return w.dir(p, rel, fi, yield)
		}
		if w.isOutput(fi) {
			w.stats.output.Add(1)
			return true
		}
		return w.file(p, rel, w.fileTarget(p, fi), yield)
	}
	if typ.IsDir() {
		if w.filter.excluded(rel) {
			w.stats.excluded.Add(1)
			return true
		}
		fi, err := e.Info()
		if err != nil {
			return yield(target{p, fmt.Errorf("cannot read directory: %w", pathError(err))})
		}
		return w.dir(p, rel, fi, yield)
	}
	if w.hasOut && typ.IsRegular() {
		if fi, err := e.Info(); err == nil && w.isOutput(fi) {
			w.stats.output.Add(1)
			return true
		}
	}
	if !typ.IsRegular() {
		return w.file(p, rel, target{p, fmt.Errorf("not a regular file (%s)", safefile.Kind(typ))}, yield)
	}
	return w.file(p, rel, target{path: p}, yield)
}

// pathError names a file-system problem without repeating the path, which
// the report carries already.
func pathError(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("no such file or directory")
	case errors.Is(err, fs.ErrPermission):
		return errors.New("permission denied")
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
