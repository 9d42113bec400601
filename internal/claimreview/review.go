package claimreview

import (
	"encoding/json"
	"fmt"
	neturl "net/url"
	"strings"

	"github.com/provcheck/provcheck/registry"
)

// node is one JSON-LD object being read: it remembers which properties
// were read, so the others can be kept.
type node struct {
	p    *parser
	m    map[string]any
	path string
	used map[string]bool
}

func (p *parser) node(m map[string]any, path string) *node {
	return &node{p: p, m: m, path: path, used: map[string]bool{"@type": true, "@id": true, "@context": true}}
}

// text reads a Text property: a string or a number (ratingValue "1" or
// 1); of an array, the first; of a node with a name or a value, that.
func (n *node) text(key string) (string, error) {
	n.used[key] = true
	v, ok := n.m[key]
	if !ok || v == nil {
		return "", nil
	}
	return n.p.textOf(v, join(n.path, key))
}

func (p *parser) textOf(v any, path string) (string, error) {
	switch v := p.deref(v).(type) {
	case string:
		return strings.TrimSpace(v), nil
	case json.Number:
		return v.String(), nil
	case []any:
		if len(v) == 0 {
			return "", nil
		}
		return p.textOf(v[0], path+"[0]")
	case map[string]any:
		for _, k := range []string{"@value", "name", "url", "@id"} {
			if x, ok := v[k]; ok {
				return p.textOf(x, path+"."+k)
			}
		}
	}
	return "", fmt.Errorf("%s: want text, got %s", path, kind(v))
}

// url reads a URL property: it must be http(s).
func (n *node) url(key string) (string, error) {
	u, err := n.text(key)
	if err != nil || u == "" {
		return u, err
	}
	if !httpURL(u) {
		return "", fmt.Errorf("%s: %q is not an http(s) URL", join(n.path, key), u)
	}
	return u, nil
}

func httpURL(s string) bool {
	u, err := neturl.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// child reads a property whose value is a node (or an array of nodes: the
// first). A bare string is returned as a node with that name.
func (n *node) child(key string) (*node, error) {
	n.used[key] = true
	v, ok := n.m[key]
	if !ok || v == nil {
		return nil, nil
	}
	path := join(n.path, key)
	if arr, ok := v.([]any); ok {
		if len(arr) == 0 {
			return nil, nil
		}
		v, path = arr[0], path+"[0]"
	}
	switch v := n.p.deref(v).(type) {
	case map[string]any:
		return n.p.node(v, path), nil
	case string:
		return n.p.node(map[string]any{"name": v}, path), nil
	default:
		return nil, fmt.Errorf("%s: want an object, got %s", path, kind(v))
	}
}

// children reads a property that may hold one node or many.
func (n *node) children(key string) ([]*node, error) {
	n.used[key] = true
	v, ok := n.m[key]
	if !ok || v == nil {
		return nil, nil
	}
	path := join(n.path, key)
	arr, isArr := v.([]any)
	if !isArr {
		arr = []any{v}
	}
	var out []*node
	for i, x := range arr {
		p := path
		if isArr {
			p = fmt.Sprintf("%s[%d]", path, i)
		}
		switch x := n.p.deref(x).(type) {
		case map[string]any:
			out = append(out, n.p.node(x, p))
		case string: // a bare URL
			out = append(out, n.p.node(map[string]any{"url": x}, p))
		default:
			return nil, fmt.Errorf("%s: want an object or a URL, got %s", p, kind(x))
		}
	}
	return out, nil
}

// keep adds the properties not read to extra, under prefix.
func (n *node) keep(extra map[string]json.RawMessage, prefix string) {
	for k, v := range n.m {
		if n.used[k] {
			continue
		}
		b, err := json.Marshal(v)
		if err == nil {
			extra[prefix+k] = b
		}
	}
}

func (n *node) party(key string) (Party, *node, error) {
	c, err := n.child(key)
	if err != nil || c == nil {
		return Party{}, nil, err
	}
	name, err := c.text("name")
	if err != nil {
		return Party{}, nil, err
	}
	u, err := c.url("url")
	if err != nil {
		return Party{}, nil, err
	}
	if u == "" {
		u, err = c.url("sameAs")
		if err != nil {
			return Party{}, nil, err
		}
	}
	return Party{Name: name, URL: u}, c, nil
}

// review reads one ClaimReview or MediaReview.
func (p *parser) review(m map[string]any, typ, path string) (Review, error) {
	where := path
	if where == "" {
		where = "(top level)"
	}
	r := Review{Type: typ, Where: where, Document: p.doc, Extra: map[string]json.RawMessage{}}
	n := p.node(m, path)
	var err error
	get := func(dst *string, key string) {
		if err == nil {
			*dst, err = n.text(key)
		}
	}
	if r.URL, err = n.url("url"); err != nil {
		return r, err
	}
	get(&r.Headline, "headline")
	if r.Headline == "" {
		get(&r.Headline, "name")
	} else {
		n.used["name"] = false
	}
	get(&r.Date, "datePublished")
	get(&r.Language, "inLanguage")
	if err != nil {
		return r, err
	}
	var author *node
	if r.Author, author, err = n.party("author"); err != nil {
		return r, err
	}
	if author != nil {
		author.keep(r.Extra, typ+".author.")
	}
	if r.Author.Name == "" {
		pub, pn, err := n.party("publisher")
		if err != nil {
			return r, err
		}
		if pn != nil {
			pn.keep(r.Extra, typ+".publisher.")
		}
		r.Author = pub
	}
	if typ == "ClaimReview" {
		err = p.claimReview(n, &r)
	} else {
		err = p.mediaReview(n, &r)
	}
	if err != nil {
		return r, err
	}
	n.keep(r.Extra, typ+".")
	return r, nil
}

func (p *parser) claimReview(n *node, r *Review) error {
	var err error
	if r.ClaimReviewed, err = n.text("claimReviewed"); err != nil {
		return err
	}
	rating, err := n.child("reviewRating")
	if err != nil {
		return err
	}
	if rating != nil {
		for _, f := range []struct {
			dst *string
			key string
		}{{&r.RatingText, "alternateName"}, {&r.RatingValue, "ratingValue"}, {&r.Best, "bestRating"}, {&r.Worst, "worstRating"}} {
			if *f.dst, err = rating.text(f.key); err != nil {
				return err
			}
		}
		if r.RatingText == "" {
			if r.RatingText, err = rating.text("name"); err != nil {
				return err
			}
		}
		rating.keep(r.Extra, "ClaimReview.reviewRating.")
	}
	claim, err := n.child("itemReviewed")
	if err != nil {
		return err
	}
	if claim != nil {
		if r.ClaimName, err = claim.text("name"); err != nil {
			return err
		}
		if r.ClaimDate, err = claim.text("datePublished"); err != nil {
			return err
		}
		var cn *node
		if r.Claimant, cn, err = claim.party("author"); err != nil {
			return err
		}
		if cn != nil {
			cn.keep(r.Extra, "ClaimReview.itemReviewed.author.")
		}
		id, err := claim.child("identifier")
		if err != nil {
			return err
		}
		if id != nil {
			if prop, _ := id.text("propertyID"); prop == IdentifierProperty {
				r.CaseID, _ = id.text("value")
			} else {
				claim.used["identifier"] = false
			}
		}
		kw, err := claim.text("keywords")
		if err != nil {
			return err
		}
		if arr, ok := claim.m["keywords"].([]any); ok {
			for i, x := range arr {
				s, err := p.textOf(x, fmt.Sprintf("%s.keywords[%d]", claim.path, i))
				if err != nil {
					return err
				}
				r.Keywords = append(r.Keywords, s)
			}
		} else if kw != "" {
			for _, k := range strings.Split(kw, ",") {
				if k = strings.TrimSpace(k); k != "" {
					r.Keywords = append(r.Keywords, k)
				}
			}
		}
		for _, key := range []string{"firstAppearance", "appearance"} {
			apps, err := claim.children(key)
			if err != nil {
				return err
			}
			for _, a := range apps {
				u, err := a.url("url")
				if err != nil {
					return err
				}
				if u == "" {
					if u, err = a.text("@id"); err != nil {
						return err
					}
				}
				if u != "" {
					r.Appearances = append(r.Appearances, registry.Appearance{URL: u, First: key == "firstAppearance"})
				}
			}
		}
		claim.keep(r.Extra, "ClaimReview.itemReviewed.")
	}
	if r.ClaimReviewed == "" && r.ClaimName == "" {
		return fmt.Errorf("%s: a ClaimReview needs claimReviewed (the claim it rates)", join(n.path, "claimReviewed"))
	}
	return nil
}

func (p *parser) mediaReview(n *node, r *Review) error {
	cat, err := n.text("mediaAuthenticityCategory")
	if err != nil {
		return err
	}
	if r.Category, err = registry.ParseCategory(cat); err != nil {
		return fmt.Errorf("%s: %v", join(n.path, "mediaAuthenticityCategory"), err)
	}
	if r.OriginalContext, err = n.text("originalMediaContextDescription"); err != nil {
		return err
	}
	items, err := n.children("itemReviewed")
	if err != nil {
		return err
	}
	for _, item := range items {
		// A MediaReviewItem groups postings in mediaItemAppearance; an
		// older form reviews one MediaObject directly.
		objs := []*node{item}
		if _, ok := item.m["mediaItemAppearance"]; ok || typeOf(item.m) == "MediaReviewItem" {
			if objs, err = item.children("mediaItemAppearance"); err != nil {
				return err
			}
			item.keep(r.Extra, "MediaReview.itemReviewed.")
		}
		for _, o := range objs {
			m := registry.MediaAppearance{Type: typeOf(o.m), Category: r.Category}
			if m.ContentURL, err = o.url("contentUrl"); err != nil {
				return err
			}
			if m.ContentURL == "" {
				if m.ContentURL, err = o.url("url"); err != nil {
					return err
				}
			}
			if m.StartTime, err = o.text("startTime"); err != nil {
				return err
			}
			if m.EndTime, err = o.text("endTime"); err != nil {
				return err
			}
			if m.ContentURL == "" {
				return fmt.Errorf("%s: a media appearance needs contentUrl", o.path)
			}
			r.Media = append(r.Media, m)
		}
	}
	if r.Category == "" {
		return fmt.Errorf("%s: a MediaReview needs mediaAuthenticityCategory", join(n.path, "mediaAuthenticityCategory"))
	}
	return nil
}
