package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/provcheck/provcheck/registry"
)

// WriteCase writes one registered case for a person.
func WriteCase(w io.Writer, c registry.Case) error {
	c = cleanCase(c)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n  %s\n", c.ID, c.Title)
	field := func(name, v string) {
		if v != "" {
			fmt.Fprintf(&b, "  %-11s %s\n", name+":", v)
		}
	}
	field("Claim", c.Claim)
	field("Rating", c.Rating)
	field("Category", string(c.Category))
	field("Tags", strings.Join(c.Tags, ", "))
	field("First seen", c.FirstSeen)
	claimant := c.Claimant
	if c.ClaimantURL != "" {
		claimant = strings.TrimSpace(claimant + " <" + c.ClaimantURL + ">")
	}
	field("Claimant", claimant)
	field("Context", c.OriginalContext)
	if !c.UpdatedAt.IsZero() {
		field("Updated", c.UpdatedAt.Format("2006-01-02 15:04 MST"))
	}
	fmt.Fprintf(&b, "  Fact-checks (%d):\n", len(c.FactChecks))
	for _, fc := range c.FactChecks {
		line := fc.Publisher
		if fc.Date != "" {
			line += " (" + fc.Date + ")"
		}
		if fc.RatingValue != "" {
			line += fmt.Sprintf(" [%s: %s of %s–%s]", orDefault(fc.Rating, "rated"), fc.RatingValue, orDefault(fc.WorstRating, "?"), orDefault(fc.BestRating, "?"))
		} else if fc.Rating != "" {
			line += " [" + fc.Rating + "]"
		}
		if fc.Title != "" {
			line += ": " + fc.Title
		}
		fmt.Fprintf(&b, "    - %s\n", line)
		if fc.URL != "" {
			fmt.Fprintf(&b, "      %s\n", fc.URL)
		}
	}
	if len(c.Appearances) > 0 {
		fmt.Fprintf(&b, "  Claim appearances (%d):\n", len(c.Appearances))
		for _, a := range c.Appearances {
			first := ""
			if a.First {
				first = " (first)"
			}
			fmt.Fprintf(&b, "    - %s%s\n", a.URL, first)
		}
	}
	if len(c.MediaAppearances) > 0 {
		fmt.Fprintf(&b, "  Media appearances (%d):\n", len(c.MediaAppearances))
		for _, m := range c.MediaAppearances {
			line := m.ContentURL
			if m.StartTime != "" || m.EndTime != "" {
				line += " " + m.StartTime + "–" + m.EndTime
			}
			if m.Category != "" {
				line += " (" + string(m.Category) + ")"
			}
			fmt.Fprintf(&b, "    - %s\n", line)
		}
	}
	fmt.Fprintf(&b, "  Media (%d):\n", len(c.Media))
	for _, m := range c.Media {
		fp := m.Fingerprint
		desc := fmt.Sprintf("%s %dx%d", fp.Kind, fp.Width, fp.Height)
		if fp.Kind == "video" {
			desc += " " + Clock(fp.Duration)
		}
		fmt.Fprintf(&b, "    - %s (%s) sha256:%s\n", orDefault(m.Name, "unnamed"), desc, m.SHA256[:12])
		if m.Note != "" {
			fmt.Fprintf(&b, "      %s\n", m.Note)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
