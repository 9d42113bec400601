package claimreview

import (
	"fmt"
	"strings"
	"time"

	"github.com/provcheck/provcheck/registry"
)

// IdentifierProperty names the PropertyValue that carries a provcheck case
// id on the Claim (itemReviewed.identifier), so an export re-imports into
// the same cases.
const IdentifierProperty = "provcheck:case"

// ToCases maps reviews to the cases they describe, to be merged into a
// registry that holds existing (Store.Import merges by id):
//   - a ClaimReview joins the case its itemReviewed.identifier names, else
//     the case that already has a fact-check at its URL or the same claim
//     (in existing, or earlier in reviews), else it makes a new case whose
//     id is made from the claim;
//   - a MediaReview joins the ClaimReview of the same document with the
//     same URL, else the only ClaimReview of its document, else a case with
//     a fact-check at its URL, else a new case;
//   - each review with an author is a fact-check (a MediaReview and a
//     ClaimReview of the same publisher and URL make one).
//
// The cases returned hold only what the reviews say (no media): merged,
// they add fact-checks, appearances and fields, and replace nothing with
// emptiness.
func ToCases(reviews []Review, existing []registry.Case) ([]registry.Case, error) {
	b := &builder{byID: map[string]int{}, taken: map[string]bool{}}
	for _, c := range existing {
		b.taken[c.ID] = true
		b.known = append(b.known, c)
	}
	claimCase := make([]int, len(reviews)) // case index of each ClaimReview
	for i, r := range reviews {
		claimCase[i] = -1
		if r.Type != "ClaimReview" {
			continue
		}
		c, err := b.claim(r)
		if err != nil {
			return nil, err
		}
		claimCase[i] = c
	}
	for _, r := range reviews {
		if r.Type != "MediaReview" {
			continue
		}
		target, alone := -1, -1
		nClaims := 0
		for j, o := range reviews {
			if o.Type != "ClaimReview" || o.Document != r.Document {
				continue
			}
			nClaims++
			alone = claimCase[j]
			if r.URL != "" && o.URL == r.URL {
				target = claimCase[j]
			}
		}
		if target < 0 && nClaims == 1 {
			target = alone
		}
		if err := b.media(r, target); err != nil {
			return nil, err
		}
	}
	return b.cases, nil
}

type builder struct {
	cases []registry.Case
	byID  map[string]int
	known []registry.Case // already in the registry
	taken map[string]bool // ids in use
}

// find returns the id of a case (known or being built) with a fact-check
// at url, or with the claim text.
func (b *builder) find(url, claim string) string {
	all := append(append([]registry.Case(nil), b.known...), b.cases...)
	for _, c := range all {
		for _, fc := range c.FactChecks {
			if url != "" && fc.URL == url {
				return c.ID
			}
		}
	}
	if claim = normalize(claim); claim != "" {
		for _, c := range all {
			if normalize(c.Claim) == claim {
				return c.ID
			}
		}
	}
	return ""
}

func normalize(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// caseFor returns the index of the case being built for id, creating it.
func (b *builder) caseFor(id string) int {
	if i, ok := b.byID[id]; ok {
		return i
	}
	b.byID[id] = len(b.cases)
	b.taken[id] = true
	b.cases = append(b.cases, registry.Case{ID: id, Media: []registry.Media{}, FactChecks: []registry.FactCheck{}})
	return len(b.cases) - 1
}

func (b *builder) isKnown(id string) bool {
	for _, c := range b.known {
		if c.ID == id {
			return true
		}
	}
	return false
}

func (b *builder) newID(from string) string {
	base := registry.Slug(from)
	id := base
	for n := 2; b.taken[id]; n++ {
		id = fmt.Sprintf("%s-%d", base, n)
	}
	return id
}

func (b *builder) claim(r Review) (int, error) {
	claim := r.ClaimReviewed
	if claim == "" {
		claim = r.ClaimName
	}
	id := r.CaseID
	if id != "" && !registry.ValidID(id) {
		return 0, fmt.Errorf("%s: itemReviewed.identifier: %q is not a valid case id", r.Where, id)
	}
	if id == "" {
		id = b.find(r.URL, claim)
	}
	fresh := id == ""
	if fresh {
		id = b.newID(claim)
	}
	i := b.caseFor(id)
	c := &b.cases[i]
	if c.Claim == "" {
		c.Claim = claim
	}
	// A case found by its claim or URL keeps its own title; a new one (or
	// one this export named) is titled after the claim.
	if c.Title == "" && (fresh || r.CaseID != "" || !b.isKnown(id)) {
		c.Title = claim
		if r.ClaimName != "" {
			c.Title = r.ClaimName
		}
	}
	if c.Rating == "" {
		c.Rating = r.RatingText
	}
	if c.Claimant == "" {
		c.Claimant, c.ClaimantURL = r.Claimant.Name, r.Claimant.URL
	}
	if c.FirstSeen == "" && r.ClaimDate != "" {
		d, err := date(r.ClaimDate)
		if err != nil {
			return 0, fmt.Errorf("%s: itemReviewed.datePublished: %v", r.Where, err)
		}
		c.FirstSeen = d
	}
	for _, k := range r.Keywords {
		if !containsFold(c.Tags, k) {
			c.Tags = append(c.Tags, k)
		}
	}
	c.Appearances = append(c.Appearances, r.Appearances...)
	return i, b.factCheck(c, r)
}

func (b *builder) media(r Review, target int) error {
	if target < 0 {
		id := b.find(r.URL, "")
		if id == "" {
			title := r.Headline
			if title == "" {
				title = "Media reviewed by " + r.Author.Name
			}
			id = b.newID(title)
			i := b.caseFor(id)
			b.cases[i].Title = title
			target = i
		} else {
			target = b.caseFor(id)
		}
	}
	c := &b.cases[target]
	if c.Category == "" {
		c.Category = r.Category
	}
	if c.OriginalContext == "" {
		c.OriginalContext = r.OriginalContext
	}
	c.MediaAppearances = append(c.MediaAppearances, r.Media...)
	return b.factCheck(c, r)
}

// factCheck adds the review as a fact-check of c, merged with one of the
// same publisher and URL.
func (b *builder) factCheck(c *registry.Case, r Review) error {
	if r.Author.Name == "" {
		if len(r.Extra) > 0 && len(c.FactChecks) > 0 {
			c.FactChecks[0] = registry.Merge(registry.Case{FactChecks: []registry.FactCheck{c.FactChecks[0]}},
				registry.Case{FactChecks: []registry.FactCheck{{Publisher: c.FactChecks[0].Publisher, URL: c.FactChecks[0].URL, Extra: r.Extra}}}).FactChecks[0]
		}
		return nil
	}
	fc := registry.FactCheck{Publisher: r.Author.Name, PublisherURL: r.Author.URL, URL: r.URL, Title: r.Headline,
		Rating: r.RatingText, RatingValue: r.RatingValue, BestRating: r.Best, WorstRating: r.Worst, Language: r.Language}
	if len(r.Extra) > 0 {
		fc.Extra = r.Extra
	}
	if r.Date != "" {
		d, err := date(r.Date)
		if err != nil {
			return fmt.Errorf("%s: datePublished: %v", r.Where, err)
		}
		fc.Date = d
	}
	*c = registry.Merge(*c, registry.Case{FactChecks: []registry.FactCheck{fc}})
	return nil
}

// date takes the calendar date of a schema.org Date or DateTime.
func date(s string) (string, error) {
	for _, l := range []struct {
		n      int
		layout string
	}{{10, "2006-01-02"}, {7, "2006-01"}, {4, "2006"}} {
		if len(s) >= l.n {
			if _, err := time.Parse(l.layout, s[:l.n]); err == nil && (len(s) == l.n || s[l.n] == 'T' || s[l.n] == ' ' || l.n == 10) {
				return s[:l.n], nil
			}
		}
	}
	return "", fmt.Errorf("%q is not an ISO 8601 date", s)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
