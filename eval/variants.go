package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/provcheck/provcheck/internal/media"
)

// Query is one file to check: a variant of a registered medium (Expected
// names its case) or a negative.
type Query struct {
	ID       string
	Path     string
	Recipe   string // transformation; "" for a plain negative
	Source   *Item  // the medium it was made from
	Expected string // case id that should match; "" for negatives
	Category string // negatives: the category of the source, or "transformed"
	made     bool   // made in this run (not taken from the cache)
}

// MakeVariant makes (or finds in the cache) the file of recipe r applied to
// item it, under work/variants/<recipe>/.
func MakeVariant(ctx context.Context, env *Env, r Recipe, it *Item) (*Query, error) {
	q := &Query{ID: r.Name + "/" + it.ID, Recipe: r.Name, Source: it}
	if it.Registered {
		q.Expected = it.ID
	} else {
		q.Category = "transformed"
	}
	if r.IsControl() {
		q.Path = it.Path
		return q, nil
	}
	dir := filepath.Join(env.Work, "variants", r.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if r.Browser != nil {
		return makeBrowserQuery(ctx, q, *r.Browser, it, dir)
	}
	j := r.Build(it.Probe, env.Font, env.BoldFont)
	// The cache key is the ffmpeg command with placeholder paths, plus
	// the source file, so a changed recipe or source makes a new file.
	key := strings.Join(j.Args("IN", "OUT"), "\x00") + "\x00" + filepath.Base(it.Path) + fmt.Sprint(j.JPEGQ)
	out := filepath.Join(dir, it.ID+"-"+shortHash(key)+"."+j.Ext)
	q.Path = out
	if _, err := os.Stat(out); err == nil {
		return q, nil
	}
	tmp := filepath.Join(dir, ".tmp-"+filepath.Base(out))
	ffOut := tmp
	if j.JPEGQ > 0 {
		ffOut = tmp + ".png"
		defer os.Remove(ffOut)
	}
	err := ffmpeg(ctx, j.Args(it.Path, ffOut)...)
	if err == nil && j.JPEGQ > 0 {
		err = encodeJPEG(ffOut, tmp, j.JPEGQ)
	}
	return keepVariant(q, tmp, out, err)
}

// keepVariant moves a variant made into tmp to out, its place in the
// cache, or drops tmp when making it failed with err.
func keepVariant(q *Query, tmp, out string, err error) (*Query, error) {
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("%s: %w", q.ID, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, err
	}
	q.made = true
	return q, nil
}

// NegativeRecipes picks, for every negative (every third in a quick run),
// one of the recipes marked Negative that applies to its kind, in
// rotation; these transformed negatives test that layouts and templates
// (blurred backgrounds, app chrome, captions, collage, duet, presenter,
// screen photo) do not make unrelated media match: the templates' chrome
// is the same as in the registered media's variants.
func NegativeRecipes(negs []*Item, recipes []Recipe, every int) map[*Item]Recipe {
	every = max(1, every)
	out := map[*Item]Recipe{}
	byKind := map[media.Kind][]Recipe{}
	for _, r := range recipes {
		if !r.Negative || r.Browser != nil {
			continue
		}
		for _, k := range []media.Kind{media.KindVideo, media.KindImage} {
			if r.Applies(k) {
				byKind[k] = append(byKind[k], r)
			}
		}
	}
	next := map[media.Kind]int{}
	for i, it := range negs {
		if i%every != 0 {
			continue
		}
		rs := byKind[it.Kind]
		if len(rs) == 0 {
			continue
		}
		out[it] = rs[next[it.Kind]%len(rs)]
		next[it.Kind]++
	}
	return out
}

// makeBrowserQuery makes (or finds in the cache) a browser recipe's file.
func makeBrowserQuery(ctx context.Context, q *Query, b BrowserJob, it *Item, dir string) (*Query, error) {
	key := browserKey(b, it) + "\x00" + filepath.Base(it.Path)
	out := filepath.Join(dir, it.ID+"-"+shortHash(key)+"."+b.Ext())
	q.Path = out
	if _, err := os.Stat(out); err == nil {
		return q, nil
	}
	tmp := filepath.Join(dir, ".tmp-"+filepath.Base(out))
	return keepVariant(q, tmp, out, makeBrowserVariant(ctx, b, it, tmp))
}

// Browser negatives: every browserNegEvery[kind]-th negative of a kind
// also goes through one of the browser recipes, in turn (a screenshot
// costs a browser start; a recording runs in real time).
var browserNegEvery = map[media.Kind]int{media.KindImage: 4, media.KindVideo: 2}

// BrowserNegatives picks, for every browserNegEvery-th negative of each
// kind (counted within the kind, so that -kind picks the same ones), one of
// the given browser recipes marked Negative that applies to it, in
// rotation.
// They are in addition to the template NegativeRecipes gives: shared
// browser chrome is tested without changing the other negatives.
func BrowserNegatives(negs []*Item, recipes []Recipe) map[*Item]Recipe {
	out := map[*Item]Recipe{}
	byKind := map[media.Kind][]Recipe{}
	for _, r := range recipes {
		if !r.Negative || r.Browser == nil {
			continue
		}
		for _, k := range []media.Kind{media.KindVideo, media.KindImage} {
			if r.Applies(k) {
				byKind[k] = append(byKind[k], r)
			}
		}
	}
	seen, next := map[media.Kind]int{}, map[media.Kind]int{}
	for _, it := range negs {
		i := seen[it.Kind]
		seen[it.Kind]++
		rs := byKind[it.Kind]
		if len(rs) == 0 || i%max(1, browserNegEvery[it.Kind]) != 0 {
			continue
		}
		out[it] = rs[next[it.Kind]%len(rs)]
		next[it.Kind]++
	}
	return out
}
