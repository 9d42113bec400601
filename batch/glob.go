package batch

import (
	"fmt"
	"path"
	"strings"
)

// A glob selects files by name. A pattern without a slash matches the base
// name anywhere in the tree ("*.jpg", ".*"); a pattern with a slash matches
// the path relative to the scanned directory, segment by segment, where
// "**" stands for any number of directories ("uploads/**/thumbs/*"). The
// other wildcards are those of path.Match: *, ?, [a-z], \ escapes.
type glob struct {
	pattern string
	segs    []string // nil: match the base name against pattern
}

func compileGlob(p string) (glob, error) {
	if p == "" {
		return glob{}, fmt.Errorf("empty pattern")
	}
	g := glob{pattern: p}
	if strings.Contains(p, "/") {
		g.segs = strings.Split(strings.Trim(p, "/"), "/")
	}
	for _, s := range append(g.segs, p) {
		if s == "**" {
			continue
		}
		if _, err := path.Match(s, ""); err != nil {
			return glob{}, fmt.Errorf("bad pattern %q: %w", p, err)
		}
	}
	return g, nil
}

// match reports whether the slash-separated relative path rel matches.
func (g glob) match(rel string) bool {
	if g.segs == nil {
		ok, _ := path.Match(g.pattern, path.Base(rel))
		return ok
	}
	return matchSegs(g.segs, strings.Split(rel, "/"))
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for len(pat) > 0 && pat[0] == "**" {
				pat = pat[1:]
			}
			if len(pat) == 0 {
				return true
			}
			for i := range name {
				if matchSegs(pat, name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// filter is the --include / --exclude selection.
type filter struct {
	include, exclude []glob
}

func newFilter(include, exclude []string) (filter, error) {
	var f filter
	for _, p := range include {
		g, err := compileGlob(p)
		if err != nil {
			return f, fmt.Errorf("--include: %w", err)
		}
		f.include = append(f.include, g)
	}
	for _, p := range exclude {
		g, err := compileGlob(p)
		if err != nil {
			return f, fmt.Errorf("--exclude: %w", err)
		}
		f.exclude = append(f.exclude, g)
	}
	return f, nil
}

// file reports whether a file is selected: it matches an include pattern
// (when there are any) and no exclude pattern.
func (f filter) file(rel string) bool {
	if f.excluded(rel) {
		return false
	}
	if len(f.include) == 0 {
		return true
	}
	for _, g := range f.include {
		if g.match(rel) {
			return true
		}
	}
	return false
}

// excluded reports whether rel (a file or a directory, which is then not
// descended into) matches an exclude pattern.
func (f filter) excluded(rel string) bool {
	for _, g := range f.exclude {
		if g.match(rel) {
			return true
		}
	}
	return false
}
