// Package registry stores known debunked media: cases (one debunked claim
// each), their media with fingerprints, and the fact-checks that cover them;
// and it indexes every registered frame for search.
package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal"
	"github.com/provcheck/provcheck/internal/signal/orb"
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
	// schema.org enumeration members come as full URLs or compact IRIs.
	for _, prefix := range []string{"https://schema.org/", "http://schema.org/", "schema:"} {
		if len(s) > len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
			s = s[len(prefix):]
			break
		}
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

	// From schema.org ClaimReview's itemReviewed (the Claim) and MediaReview.

	// Claimant is who made the claim (itemReviewed.author), with a link.
	Claimant    string `json:"claimant,omitempty"`
	ClaimantURL string `json:"claimant_url,omitempty"`
	// Appearances are where the claim was made (itemReviewed.appearance and
	// firstAppearance).
	Appearances []Appearance `json:"appearances,omitempty"`
	// OriginalContext is MediaReview's originalMediaContextDescription: what
	// the media really shows, for DecontextualizedContent.
	OriginalContext string `json:"original_context,omitempty"`
	// MediaAppearances are where the media was posted (MediaReview's
	// mediaItemAppearance), each with its rating.
	MediaAppearances []MediaAppearance `json:"media_appearances,omitempty"`
}

// Appearance is a page where the claim appeared.
type Appearance struct {
	URL   string `json:"url"`
	First bool   `json:"first,omitempty"` // the first known appearance
}

// MediaAppearance is one posting of the media reviewed by a MediaReview
// (schema.org MediaObject: VideoObject, ImageObject, AudioObject).
type MediaAppearance struct {
	ContentURL string   `json:"content_url"`
	Type       string   `json:"type,omitempty"`       // VideoObject, ImageObject, AudioObject, MediaObject
	StartTime  string   `json:"start_time,omitempty"` // of the reviewed part, as published (e.g. "00:00:04" or an ISO 8601 duration)
	EndTime    string   `json:"end_time,omitempty"`
	Category   Category `json:"category,omitempty"` // the MediaReview's mediaAuthenticityCategory for this posting
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

	// Version is what made the fingerprint (fingerprint.Version); media
	// of bundles and registries from before versions were recorded get
	// fingerprint.LegacyVersion.
	Version string `json:"fingerprint_version,omitempty"`
}

// FingerprintVersion is the version of what made the medium's fingerprint:
// Version, or for media from before versions were recorded what the
// fingerprint shows (fingerprint.LegacyVersion).
func (m *Media) FingerprintVersion() string {
	if m.Version != "" {
		return m.Version
	}
	return fingerprint.LegacyVersion(&m.Fingerprint)
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
	// PublisherURL is the fact-checker's site (ClaimReview author.url).
	PublisherURL string `json:"publisher_url,omitempty"`
	// The numeric rating (reviewRating ratingValue on a scale from
	// worstRating to bestRating), as published.
	RatingValue string `json:"rating_value,omitempty"`
	BestRating  string `json:"best_rating,omitempty"`
	WorstRating string `json:"worst_rating,omitempty"`
	// Extra keeps the published review's properties provcheck has no field
	// for, by "Type.path" ("ClaimReview.reviewBody",
	// "ClaimReview.itemReviewed.keywords", "MediaReview.about"), so that an
	// export gives them back.
	Extra map[string]json.RawMessage `json:"extra,omitempty"`
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
		p.add(at("id"), "%q is not a valid id (lower-case letters, digits, '.', '_', '-'; at most 100)", clip(c.ID))
	}
	if strings.TrimSpace(c.Title) == "" {
		p.add(at("title"), "is required")
	}
	p.text(at("title"), c.Title, MaxTitleLen)
	p.text(at("claim"), c.Claim, MaxClaimLen)
	p.text(at("rating"), c.Rating, MaxRatingLen)
	p.count(at("tags"), len(c.Tags), MaxTags)
	p.count(at("media"), len(c.Media), MaxMedia)
	p.count(at("fact_checks"), len(c.FactChecks), MaxFactChecks)
	if _, err := ParseCategory(string(c.Category)); err != nil {
		p.add(at("category"), "%v", err)
	}
	if !ValidDate(c.FirstSeen) {
		p.add(at("first_seen"), "%q is not a date (YYYY, YYYY-MM or YYYY-MM-DD)", c.FirstSeen)
	}
	for i, t := range c.Tags {
		if i >= MaxTags {
			break
		}
		if strings.TrimSpace(t) == "" {
			p.add(at(fmt.Sprintf("tags[%d]", i)), "is empty")
		}
		p.text(at(fmt.Sprintf("tags[%d]", i)), t, MaxTagLen)
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
		p.text(mp+".name", m.Name, MaxMediaNameLen)
		p.text(mp+".note", m.Note, MaxNoteLen)
		validateFingerprint(p, mp+".fingerprint", &m.Fingerprint)
		validateThumbnails(p, mp+".thumbnails", &m)
	}
	for i, fc := range c.FactChecks {
		fp := at(fmt.Sprintf("fact_checks[%d]", i))
		if strings.TrimSpace(fc.Publisher) == "" {
			p.add(fp+".publisher", "is required")
		}
		p.text(fp+".publisher", fc.Publisher, MaxPublisherLen)
		p.text(fp+".title", fc.Title, MaxFCTitleLen)
		p.text(fp+".rating", fc.Rating, MaxRatingLen)
		p.text(fp+".language", fc.Language, MaxLanguageLen)
		if len(fc.URL) > MaxURLLen {
			p.text(fp+".url", fc.URL, MaxURLLen)
		} else if fc.URL != "" && !validURL(fc.URL) {
			p.add(fp+".url", "%q is not an http(s) URL", fc.URL)
		}
		if !ValidDate(fc.Date) {
			p.add(fp+".date", "%q is not a date (YYYY, YYYY-MM or YYYY-MM-DD)", clip(fc.Date))
		}
		if fc.PublisherURL != "" && !validURL(fc.PublisherURL) {
			p.add(fp+".publisher_url", "%q is not an http(s) URL", fc.PublisherURL)
		}
	}
	p.text(at("claimant"), c.Claimant, MaxClaimantLen)
	p.text(at("original_context"), c.OriginalContext, MaxContextLen)
	p.url(at("claimant_url"), c.ClaimantURL)
	p.count(at("appearances"), len(c.Appearances), MaxAppearances)
	p.count(at("media_appearances"), len(c.MediaAppearances), MaxPostings)
	for i, a := range c.Appearances {
		if i >= MaxAppearances {
			break
		}
		if a.URL == "" {
			p.add(at(fmt.Sprintf("appearances[%d].url", i)), "is required")
		}
		p.url(at(fmt.Sprintf("appearances[%d].url", i)), a.URL)
	}
	for i, m := range c.MediaAppearances {
		if i >= MaxPostings {
			break
		}
		mp := at(fmt.Sprintf("media_appearances[%d]", i))
		if m.ContentURL == "" {
			p.add(mp+".content_url", "is required")
		}
		p.url(mp+".content_url", m.ContentURL)
		p.text(mp+".type", m.Type, MaxMediaTypeLen)
		p.text(mp+".start_time", m.StartTime, MaxTimeLen)
		p.text(mp+".end_time", m.EndTime, MaxTimeLen)
		if _, err := ParseCategory(string(m.Category)); err != nil {
			p.add(mp+".category", "%v", err)
		}
	}
}

// url reports a URL that is too long or not http(s); empty is allowed.
func (p *problems) url(path, u string) {
	switch {
	case len(u) > MaxURLLen:
		p.text(path, u, MaxURLLen)
	case u != "" && !validURL(u):
		p.add(path, "%q is not an http(s) URL", u)
	}
}

// text reports a string longer than max bytes or not valid UTF-8.
func (p *problems) text(path, s string, max int) {
	switch {
	case len(s) > max:
		p.add(path, "is %d bytes long, over the limit of %d", len(s), max)
	case !utf8.ValidString(s):
		p.add(path, "is not valid UTF-8 text")
	}
}

// count reports a list longer than max.
func (p *problems) count(path string, n, max int) {
	if n > max {
		p.add(path, "has %d elements, over the limit of %d", n, max)
	}
}

// number reports a number that is not finite or outside lo..hi.
func (p *problems) number(path string, v, lo, hi float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < lo || v > hi {
		p.add(path, "%g is outside %g..%g", v, lo, hi)
	}
}

// clip shortens a value quoted back in an error message.
func clip(s string) string {
	const show = 80
	if len(s) <= show {
		return s
	}
	cut := show
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func validateFingerprint(p *problems, path string, fp *fingerprint.Fingerprint) {
	if fp.Kind != media.KindImage && fp.Kind != media.KindVideo {
		p.add(path+".kind", "%q is not image or video", clip(string(fp.Kind)))
	}
	p.text(path+".format", fp.Format, MaxFormatLen)
	p.text(path+".codec", fp.Codec, MaxFormatLen)
	p.number(path+".width", float64(fp.Width), 0, MaxSide)
	p.number(path+".height", float64(fp.Height), 0, MaxSide)
	p.number(path+".duration_s", fp.Duration, 0, MaxDuration)
	p.number(path+".fps", fp.FPS, 0, MaxFPS)
	if len(fp.Frames) == 0 {
		p.add(path+".frames", "no frames")
	}
	p.count(path+".frames", len(fp.Frames), MaxFrames)
	if fp.Kind == media.KindImage && len(fp.Frames) > 1 {
		p.add(path+".frames", "an image has one frame, got %d", len(fp.Frames))
	}
	last := -1.0
	for i, f := range fp.Frames {
		fpath := fmt.Sprintf("%s.frames[%d]", path, i)
		if math.IsNaN(f.T) || math.IsInf(f.T, 0) || f.T < 0 || f.T < last || f.T > MaxDuration {
			p.add(fpath+".t", "timestamps must be finite, ≥ 0 and ascending")
			break
		}
		last = f.T
		if f.Quality < 0 || f.Quality > 100 {
			p.add(fpath+".quality", "%d is outside 0..100", f.Quality)
			break
		}
		if len(f.Views) > MaxViews {
			p.count(fpath+".views", len(f.Views), MaxViews)
			break
		}
		bad := false
		for j, v := range f.Views {
			if len(v.Name) > MaxFormatLen || v.Quality < 0 || v.Quality > 100 {
				p.add(fmt.Sprintf("%s.views[%d]", fpath, j), "a view name is at most %d bytes and its quality within 0..100", MaxFormatLen)
				bad = true
				break
			}
		}
		if bad {
			break
		}
		for j, sv := range f.Signals {
			sp := fmt.Sprintf("%s.frames[%d].signals[%d]", path, i, j)
			if sv.Type == "" || sv.Version < 1 {
				p.add(sp, "a signal needs a type and a version ≥ 1")
				continue
			}
			// Values of a type this build knows must read back; others
			// are kept as they are (a newer provcheck's types).
			if t, ok := signal.Lookup(sv.Type); ok && sv.Version == t.Version() {
				if _, err := t.Decode(sv.Value); err != nil {
					p.add(sp+".value", "%v", err)
				}
			}
		}
		if len(f.Local) > 0 {
			if _, err := orb.Decode(f.Local); err != nil {
				p.add(fmt.Sprintf("%s.frames[%d].local", path, i), "not local features written by provcheck")
				break
			}
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
	set(&out.Claimant, incoming.Claimant)
	set(&out.ClaimantURL, incoming.ClaimantURL)
	set(&out.OriginalContext, incoming.OriginalContext)
	if incoming.Category != "" {
		out.Category = incoming.Category
	}
	out.Appearances = append([]Appearance(nil), existing.Appearances...)
	seenURL := make(map[string]int, len(out.Appearances)+len(incoming.Appearances))
	for i, a := range out.Appearances {
		seenURL[a.URL] = i
	}
	for _, a := range incoming.Appearances {
		if i, ok := seenURL[a.URL]; !ok {
			seenURL[a.URL] = len(out.Appearances)
			out.Appearances = append(out.Appearances, a)
		} else if a.First {
			out.Appearances[i].First = true
		}
	}
	type posting struct{ url, start string }
	out.MediaAppearances = append([]MediaAppearance(nil), existing.MediaAppearances...)
	seenPosting := make(map[posting]int, len(out.MediaAppearances)+len(incoming.MediaAppearances))
	for i, m := range out.MediaAppearances {
		seenPosting[posting{m.ContentURL, m.StartTime}] = i
	}
	for _, m := range incoming.MediaAppearances {
		k := posting{m.ContentURL, m.StartTime}
		if i, ok := seenPosting[k]; ok {
			out.MediaAppearances[i] = m
		} else {
			seenPosting[k] = len(out.MediaAppearances)
			out.MediaAppearances = append(out.MediaAppearances, m)
		}
	}
	// Sets keep the merge linear in the number of tags and media.
	out.Tags = append([]string(nil), existing.Tags...)
	tags := make(map[string]bool, len(out.Tags)+len(incoming.Tags))
	for _, t := range out.Tags {
		tags[strings.ToLower(t)] = true
	}
	for _, t := range incoming.Tags {
		if k := strings.ToLower(t); !tags[k] {
			tags[k] = true
			out.Tags = append(out.Tags, t)
		}
	}
	out.Media = append([]Media(nil), existing.Media...)
	digests := make(map[string]bool, len(out.Media)+len(incoming.Media))
	for _, m := range out.Media {
		digests[m.SHA256] = true
	}
	for _, m := range incoming.Media {
		if !digests[m.SHA256] {
			digests[m.SHA256] = true
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
		{&a.PublisherURL, b.PublisherURL}, {&a.RatingValue, b.RatingValue}, {&a.BestRating, b.BestRating},
		{&a.WorstRating, b.WorstRating},
	} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	if len(b.Extra) > 0 {
		extra := maps.Clone(a.Extra)
		if extra == nil {
			extra = map[string]json.RawMessage{}
		}
		maps.Copy(extra, b.Extra)
		a.Extra = extra
	}
	return a
}
