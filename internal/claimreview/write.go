package claimreview

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"

	"github.com/provcheck/provcheck/internal/jsonlist"
	"github.com/provcheck/provcheck/registry"
)

// obj is a JSON-LD node; keys are written sorted (encoding/json), so the
// output is stable.
type obj = map[string]any

// Document is the JSON-LD of cases: one ClaimReview per fact-check, and
// one MediaReview per MediaReview category of a case (its category, and
// the category of each media appearance), in an @graph.
func Document(cases []registry.Case) obj {
	graph := []any{}
	for _, c := range cases {
		graph = append(graph, caseNodes(c)...)
	}
	return obj{"@context": "https://schema.org", "@graph": graph}
}

// Write writes Document(cases) as indented JSON (WriteEach).
func Write(w io.Writer, cases []registry.Case) error {
	return WriteEach(w, func(fn func(registry.Case) error) error {
		for _, c := range cases {
			if err := fn(c); err != nil {
				return err
			}
		}
		return nil
	})
}

// WriteCase writes one case's nodes.
func WriteCase(w io.Writer, c registry.Case) error {
	return Write(w, []registry.Case{c})
}

// WriteEach writes the Document of the cases each passes to its function,
// in that order, as indented JSON: the same bytes as the whole document
// indented at once, but written a case at a time, so that the cases of a
// registry.Store's Each need not be held in memory together.
func WriteEach(w io.Writer, each func(fn func(registry.Case) error) error) error {
	// The document around an empty @graph, indented as the whole one is;
	// the nodes go where its empty list is.
	var head bytes.Buffer
	if err := encoder(&head, "").Encode(Document(nil)); err != nil {
		return err
	}
	l, err := jsonlist.Into(w, head.Bytes(), `"@graph": []`, 2)
	if err != nil {
		return err
	}
	var node bytes.Buffer
	enc := encoder(&node, l.Prefix())
	err = each(func(c registry.Case) error {
		for _, v := range caseNodes(c) {
			node.Reset()
			if err := enc.Encode(v); err != nil {
				return err
			}
			if err := l.Add(node.Bytes()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return l.Close()
}

// encoder writes JSON as the export does: indented by two spaces after
// prefix, with <, > and & as they are.
func encoder(w io.Writer, prefix string) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	return enc
}

// CategoryURL is a MediaReview category as its schema.org URL.
func CategoryURL(c registry.Category) string { return "https://schema.org/" + string(c) }

func caseNodes(c registry.Case) []any {
	var out []any
	fcs := c.FactChecks
	if len(fcs) == 0 {
		fcs = []registry.FactCheck{{}} // the claim still gets its review node
	}
	for i, fc := range fcs {
		out = append(out, claimReview(c, fc, i == 0))
	}
	// One MediaReview per category: the case's, then those of appearances.
	var cats []registry.Category
	if c.Category != "" {
		cats = append(cats, c.Category)
	}
	for _, m := range c.MediaAppearances {
		if m.Category != "" && !slices.Contains(cats, m.Category) {
			cats = append(cats, m.Category)
		}
	}
	for i, cat := range cats {
		out = append(out, mediaReview(c, fcs[0], cat, i == 0))
	}
	return out
}

func party(typ, name, url string) obj {
	o := obj{"@type": typ, "name": name}
	if url != "" {
		o["url"] = url
	}
	return o
}

func claimReview(c registry.Case, fc registry.FactCheck, first bool) obj {
	claim := obj{"@type": "Claim", "name": c.Title,
		"identifier": obj{"@type": "PropertyValue", "propertyID": IdentifierProperty, "value": c.ID}}
	if c.Claimant != "" {
		claim["author"] = party("Person", c.Claimant, c.ClaimantURL)
	}
	if c.FirstSeen != "" {
		claim["datePublished"] = c.FirstSeen
	}
	if len(c.Tags) > 0 {
		claim["keywords"] = c.Tags
	}
	var apps []any
	for _, a := range c.Appearances {
		w := obj{"@type": "CreativeWork", "url": a.URL}
		if a.First {
			claim["firstAppearance"] = w
		} else {
			apps = append(apps, w)
		}
	}
	if len(apps) > 0 {
		claim["appearance"] = apps
	}
	r := obj{"@type": "ClaimReview", "claimReviewed": c.Claim, "itemReviewed": claim}
	if c.Claim == "" {
		r["claimReviewed"] = c.Title
	}
	rating := fc.Rating
	if rating == "" && first {
		rating = c.Rating
	}
	if rating != "" || fc.RatingValue != "" {
		rr := obj{"@type": "Rating"}
		if rating != "" {
			rr["alternateName"] = rating
		}
		for k, v := range map[string]string{"ratingValue": fc.RatingValue, "bestRating": fc.BestRating, "worstRating": fc.WorstRating} {
			if v != "" {
				rr[k] = v
			}
		}
		r["reviewRating"] = rr
	}
	factCheckFields(r, fc)
	putExtra(r, fc.Extra, "ClaimReview.")
	return r
}

func factCheckFields(r obj, fc registry.FactCheck) {
	if fc.Publisher != "" {
		r["author"] = party("Organization", fc.Publisher, fc.PublisherURL)
	}
	if fc.URL != "" {
		r["url"] = fc.URL
	}
	if fc.Title != "" {
		r["headline"] = fc.Title
	}
	if fc.Date != "" {
		r["datePublished"] = fc.Date
	}
	if fc.Language != "" {
		r["inLanguage"] = fc.Language
	}
}

func mediaReview(c registry.Case, fc registry.FactCheck, cat registry.Category, first bool) obj {
	r := obj{"@type": "MediaReview", "mediaAuthenticityCategory": CategoryURL(cat)}
	if first && c.OriginalContext != "" {
		r["originalMediaContextDescription"] = c.OriginalContext
	}
	var media []any
	for _, m := range c.MediaAppearances {
		mc := m.Category
		if mc == "" {
			mc = c.Category
		}
		if mc != cat {
			continue
		}
		typ := m.Type
		if typ == "" {
			typ = "MediaObject"
		}
		o := obj{"@type": typ, "contentUrl": m.ContentURL}
		if m.StartTime != "" {
			o["startTime"] = m.StartTime
		}
		if m.EndTime != "" {
			o["endTime"] = m.EndTime
		}
		media = append(media, o)
	}
	item := obj{"@type": "MediaReviewItem"}
	if len(media) > 0 {
		item["mediaItemAppearance"] = media
	}
	r["itemReviewed"] = item
	factCheckFields(r, fc)
	if first {
		putExtra(r, fc.Extra, "MediaReview.")
	}
	return r
}

// putExtra sets the kept properties of one review type back at their path.
func putExtra(r obj, extra map[string]json.RawMessage, prefix string) {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		path, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		parts := strings.Split(path, ".")
		cur := r
		for _, p := range parts[:len(parts)-1] {
			next, ok := cur[p].(obj)
			if !ok {
				if _, taken := cur[p]; taken {
					cur = nil
					break
				}
				next = obj{}
				cur[p] = next
			}
			cur = next
		}
		last := parts[len(parts)-1]
		if cur == nil {
			continue
		}
		if _, taken := cur[last]; taken {
			continue // a property provcheck writes itself wins
		}
		cur[last] = extra[k]
	}
}
