package report

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/registry"
)

// Clean makes text that comes from files or the registry (file names,
// titles, publishers, error messages) safe to print on a terminal: control
// characters (C0, DEL, C1 — escape sequences that clear the screen, move
// the cursor or forge hyperlinks start with them), line breaks,
// bidirectional overrides and invalid UTF-8 are shown escaped, as \x1b,
// \n, \u202e or \xff. Text without them is returned as it is. JSON output
// does not need it: it is exact and its encoder escapes them already.
func Clean(s string) string { return clean(s, false) }

// CleanLines is Clean keeping line breaks, for messages of several lines.
func CleanLines(s string) string { return clean(s, true) }

func clean(s string, keepNewlines bool) string {
	if !needsCleaning(s, keepNewlines) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' && keepNewlines, r == '\t':
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case unsafeRune(r):
			if r < 0x80 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

func needsCleaning(s string, keepNewlines bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\t' && !(c == '\n' && keepNewlines)) || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r) {
			return true
		}
		i += size
	}
	return false
}

// unsafeRune reports control characters and the invisible bidirectional
// controls that reorder what a terminal shows.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// cleanReport is r with every text field cleaned for a terminal.
func cleanReport(r engine.Report) engine.Report {
	r.File, r.Error, r.Action = Clean(r.File), Clean(r.Error), Clean(r.Action)
	ms := make([]engine.Match, len(r.Matches))
	for i, m := range r.Matches {
		m.EntryID, m.Title, m.Claim, m.Rating = Clean(m.EntryID), Clean(m.Title), Clean(m.Claim), Clean(m.Rating)
		m.Category, m.Media = Clean(m.Category), Clean(m.Media)
		fcs := make([]engine.FactCheck, len(m.FactChecks))
		for j, fc := range m.FactChecks {
			fcs[j] = engine.FactCheck{Publisher: Clean(fc.Publisher), URL: Clean(fc.URL), Title: Clean(fc.Title),
				Rating: Clean(fc.Rating), Date: Clean(fc.Date)}
		}
		m.FactChecks = fcs
		ms[i] = m
	}
	r.Matches = ms
	return r
}

// cleanCase is c with every text field cleaned for a terminal.
func cleanCase(c registry.Case) registry.Case {
	c.ID, c.Title, c.Claim, c.Rating, c.FirstSeen = Clean(c.ID), Clean(c.Title), Clean(c.Claim), Clean(c.Rating), Clean(c.FirstSeen)
	c.Category = registry.Category(Clean(string(c.Category)))
	tags := make([]string, len(c.Tags))
	for i, t := range c.Tags {
		tags[i] = Clean(t)
	}
	c.Tags = tags
	fcs := make([]registry.FactCheck, len(c.FactChecks))
	for i, fc := range c.FactChecks {
		fcs[i] = registry.FactCheck{Publisher: Clean(fc.Publisher), URL: Clean(fc.URL), Title: Clean(fc.Title),
			Rating: Clean(fc.Rating), Date: Clean(fc.Date), Language: Clean(fc.Language)}
	}
	c.FactChecks = fcs
	media := make([]registry.Media, len(c.Media))
	for i, m := range c.Media {
		m.Name, m.Note, m.SHA256 = Clean(m.Name), Clean(m.Note), Clean(m.SHA256)
		m.Fingerprint.Format, m.Fingerprint.Codec = Clean(m.Fingerprint.Format), Clean(m.Fingerprint.Codec)
		media[i] = m
	}
	c.Media = media
	return c
}
