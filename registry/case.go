// Package registry stores known debunked media: cases (one debunked claim
// each), their media with fingerprints, and the fact-checks that cover them;
// and it indexes every registered frame for search.
package registry

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
)

// Category is the authenticity rating of schema.org MediaReview.
type Category string

// The MediaReview categories. An AI-generated video is TransformedContent.
const (
	OriginalMediaContent    Category = "OriginalMediaContent"
	DecontextualizedContent Category = "DecontextualizedContent"
	EditedOrCroppedContent  Category = "EditedOrCroppedContent"
	TransformedContent      Category = "TransformedContent"
	StagedContent           Category = "StagedContent"
	SatireOrParodyContent   Category = "SatireOrParodyContent"
)

// Categories lists the valid categories in documentation order.
var Categories = []Category{
	OriginalMediaContent, DecontextualizedContent, EditedOrCroppedContent,
	TransformedContent, StagedContent, SatireOrParodyContent,
}

// ParseCategory accepts a category name in any letter case.
func ParseCategory(s string) (Category, error) {
	if s == "" {
		return "", nil
	}
	for _, c := range Categories {
		if strings.EqualFold(string(c), s) {
			return c, nil
		}
	}
	names := make([]string, len(Categories))
	for i, c := range Categories {
		names[i] = string(c)
	}
	return "", fmt.Errorf("unknown category %q (want one of %s)", s, strings.Join(names, ", "))
}

// Case is one debunked claim with the media that carry it and the
// fact-checks that cover it.
type Case struct {
	ID         string      `json:"id"`
	Title      string      `json:"title"`
	Claim      string      `json:"claim,omitempty"`
	Rating     string      `json:"rating,omitempty"`
	Category   Category    `json:"category,omitempty"`
	Tags       []string    `json:"tags,omitempty"`
	FirstSeen  string      `json:"first_seen,omitempty"` // YYYY, YYYY-MM or YYYY-MM-DD
	CreatedAt  time.Time   `json:"created_at,omitzero"`
	UpdatedAt  time.Time   `json:"updated_at,omitzero"`
	Media      []Media     `json:"media"`
	FactChecks []FactCheck `json:"fact_checks"`
}

// Media is one registered clip or image of a case. Its content digest
// identifies it: registering the same bytes twice adds nothing.
type Media struct {
	SHA256      string                  `json:"sha256"`
	Name        string                  `json:"name,omitempty"` // original file name, for people
	Note        string                  `json:"note,omitempty"` // where it came from
	AddedAt     time.Time               `json:"added_at,omitzero"`
	Fingerprint fingerprint.Fingerprint `json:"fingerprint"`
	// Thumbnails of registered frames, for people to compare by eye. Not
	// loaded with cases by Get and All (see Thumbnails); carried by bundles.
	Thumbnails []Thumbnail `json:"thumbnails,omitempty"`
}

// FactCheck is a published review of the claim (the fields of schema.org
// ClaimReview).
type FactCheck struct {
	Publisher string `json:"publisher"`
	URL       string `json:"url,omitempty"`
	Title     string `json:"title,omitempty"`
	Rating    string `json:"rating,omitempty"`
	Date      string `json:"date,omitempty"` // YYYY, YYYY-MM or YYYY-MM-DD
	Language  string `json:"language,omitempty"`
}

// ErrNotFound is returned for an unknown case id.
var ErrNotFound = errors.New("no such case")

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,99}$`)

// ValidID reports whether s can be a case id: lower-case letters, digits,
// '.', '_' and '-', starting with a letter or digit, at most 100 characters.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// Slug makes a case id from a title: "AI video of X!" → "ai-video-of-x".
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		default:
			if b.Len() > 0 && !dash {
				b.WriteByte('-')
				dash = true
			}
		}
		if b.Len() >= 60 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = "case"
	}
	return s
}

// ValidDate reports whether s is empty or a date of the form YYYY, YYYY-MM
// or YYYY-MM-DD.
func ValidDate(s string) bool {
	if s == "" {
		return true
	}
	for _, layout := range []string{"2006", "2006-01", "2006-01-02"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// FieldError names the field that is wrong, as a path into the case or
// bundle ("cases[2].fact_checks[0].url").
type FieldError struct {
	Path string
	Msg  string
}

func (e FieldError) Error() string { return e.Path + ": " + e.Msg }

// ValidationError lists every problem found, so a user can fix them all at once.
type ValidationError struct{ Problems []FieldError }

func (e *ValidationError) Error() string {
	const show = 20
	var b strings.Builder
	fmt.Fprintf(&b, "%d problem(s):", len(e.Problems))
	for i, p := range e.Problems {
		if i == show {
			fmt.Fprintf(&b, "\n  … and %d more", len(e.Problems)-show)
			break
		}
		b.WriteString("\n  " + p.Error())
	}
	return b.String()
}

type problems []FieldError

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Problems: p}
}

// Validate checks a case as it will be stored. prefix is prepended to the
// field paths in errors (e.g. "cases[3]"); needMedia requires at least one
// medium.
func (c *Case) Validate(prefix string, needMedia bool) error {
	var p problems
	c.validate(&p, prefix, needMedia)
	return p.err()
}

func (c *Case) validate(p *problems, prefix string, needMedia bool) {
	at := func(field string) string {
		if prefix == "" {
			return field
		}
		return prefix + "." + field
	}
	if !ValidID(c.ID) {
		p.add(at("id"), "%q is not a valid id (lower-case letters, digits, '.', '_', '-'; at most 100)", c.ID)
	}
	if strings.TrimSpace(c.Title) == "" {
		p.add(at("title"), "is required")
	}
	if _, err := ParseCategory(string(c.Category)); err != nil {
		p.add(at("category"), "%v", err)
	}
	if !ValidDate(c.FirstSeen) {
		p.add(at("first_seen"), "%q is not a date (YYYY, YYYY-MM or YYYY-MM-DD)", c.FirstSeen)
	}
	for i, t := range c.Tags {
		if strings.TrimSpace(t) == "" {
			p.add(at(fmt.Sprintf("tags[%d]", i)), "is empty")
		}
	}
	if needMedia && len(c.Media) == 0 {
		p.add(at("media"), "a case needs at least one image or video")
	}
	seen := map[string]bool{}
	for i, m := range c.Media {
		mp := at(fmt.Sprintf("media[%d]", i))
		if !validDigest(m.SHA256) {
			p.add(mp+".sha256", "%q is not a hex SHA-256 digest", m.SHA256)
		} else if seen[m.SHA256] {
			p.add(mp+".sha256", "the same medium appears twice")
		}
		seen[m.SHA256] = true
		validateFingerprint(p, mp+".fingerprint", &m.Fingerprint)
		validateThumbnails(p, mp+".thumbnails", &m)
	}
	for i, fc := range c.FactChecks {
		fp := at(fmt.Sprintf("fact_checks[%d]", i))
		if strings.TrimSpace(fc.Publisher) == "" {
			p.add(fp+".publisher", "is required")
		}
		if fc.URL != "" && !validURL(fc.URL) {
			p.add(fp+".url", "%q is not an http(s) URL", fc.URL)
		}
		if !ValidDate(fc.Date) {
			p.add(fp+".date", "%q is not a date (YYYY, YYYY-MM or YYYY-MM-DD)", fc.Date)
		}
	}
}

func validateFingerprint(p *problems, path string, fp *fingerprint.Fingerprint) {
	if fp.Kind != media.KindImage && fp.Kind != media.KindVideo {
		p.add(path+".kind", "%q is not image or video", fp.Kind)
	}
	if len(fp.Frames) == 0 {
		p.add(path+".frames", "no frames")
	}
	if fp.Kind == media.KindImage && len(fp.Frames) > 1 {
		p.add(path+".frames", "an image has one frame, got %d", len(fp.Frames))
	}
	last := -1.0
	for i, f := range fp.Frames {
		if f.T < 0 || f.T < last {
			p.add(fmt.Sprintf("%s.frames[%d].t", path, i), "timestamps must be ≥ 0 and ascending")
			break
		}
		last = f.T
		if f.Quality < 0 || f.Quality > 100 {
			p.add(fmt.Sprintf("%s.frames[%d].quality", path, i), "%d is outside 0..100", f.Quality)
			break
		}
	}
}

func validDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Merge adds what incoming brings to existing: non-empty scalar fields
// replace, tags, media (by digest) and fact-checks (by publisher and URL)
// are appended when new. It returns the merged case.
func Merge(existing, incoming Case) Case {
	out := existing
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&out.Title, incoming.Title)
	set(&out.Claim, incoming.Claim)
	set(&out.Rating, incoming.Rating)
	set(&out.FirstSeen, incoming.FirstSeen)
	if incoming.Category != "" {
		out.Category = incoming.Category
	}
	out.Tags = append([]string(nil), existing.Tags...)
	for _, t := range incoming.Tags {
		if !containsFold(out.Tags, t) {
			out.Tags = append(out.Tags, t)
		}
	}
	out.Media = append([]Media(nil), existing.Media...)
	for _, m := range incoming.Media {
		dup := false
		for _, e := range out.Media {
			if e.SHA256 == m.SHA256 {
				dup = true
				break
			}
		}
		if !dup {
			out.Media = append(out.Media, m)
		}
	}
	out.FactChecks = append([]FactCheck(nil), existing.FactChecks...)
	for _, fc := range incoming.FactChecks {
		dup := false
		for i, e := range out.FactChecks {
			if strings.EqualFold(e.Publisher, fc.Publisher) && e.URL == fc.URL {
				out.FactChecks[i] = mergeFactCheck(e, fc)
				dup = true
				break
			}
		}
		if !dup {
			out.FactChecks = append(out.FactChecks, fc)
		}
	}
	return out
}

func mergeFactCheck(a, b FactCheck) FactCheck {
	for _, f := range []struct {
		dst *string
		v   string
	}{
		{&a.Title, b.Title}, {&a.Rating, b.Rating}, {&a.Date, b.Date}, {&a.Language, b.Language},
	} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	return a
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
