package server

import (
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/rules"
)

// ReplyFormat is how a reply is marked up.
type ReplyFormat string

// The reply formats: plain text for SMS and WhatsApp, Markdown for chat
// platforms that render it.
const (
	ReplyText     ReplyFormat = "text"
	ReplyMarkdown ReplyFormat = "markdown"
)

// ParseReplyFormat accepts "", "text", "plain" or "markdown".
func ParseReplyFormat(s string) (ReplyFormat, bool) {
	switch strings.ToLower(s) {
	case "", "text", "plain":
		return ReplyText, true
	case "markdown", "md":
		return ReplyMarkdown, true
	}
	return "", false
}

// maxAlso is how many further cases a reply names after the best one.
const maxAlso = 2

// Reply is a message for the person who sent the file: the verdict in
// plain words, the case's title, rating and claim, each fact-check with
// its publisher and link, and for a video the part that matched. A file
// that could not be checked gets a short explanation.
func Reply(r engine.Report, f ReplyFormat) string {
	md := f == ReplyMarkdown
	b := &replyBuilder{md: md}
	what := "this file"
	switch r.Kind {
	case engine.KindImage:
		what = "this image"
	case engine.KindVideo:
		what = "this video"
	}
	if r.Failed() {
		b.line(b.strong("Not checked:") + " " + b.text(what+" could not be read ("+r.Error+")") + ". " +
			b.text("Please send the original image or video."))
		return b.String()
	}
	if r.Verdict == rules.NoMatch || len(r.Matches) == 0 {
		b.line(b.strong("No known debunk found") + " " + b.text("for "+what+". A fact-checker has been notified and will take a look."))
		return b.String()
	}
	m := r.Matches[0]
	if r.Verdict == rules.Match {
		b.line(b.strong("Debunked:") + " " + b.text(upperFirst(what)+" matches a case that fact-checkers have debunked."))
	} else {
		b.line(b.strong("Possibly debunked:") + " " + b.text(upperFirst(what)+" looks like a case that fact-checkers have debunked, but the match is not certain; a fact-checker should confirm."))
	}
	b.match(m, r.Kind)
	var also []string
	for _, o := range r.Matches[1:] {
		if len(also) == maxAlso {
			break
		}
		s := b.text(`"` + o.Title + `"`)
		if o.Verdict == rules.PossibleMatch {
			s += b.text(" (possible match)")
		}
		also = append(also, s)
	}
	if len(also) > 0 {
		b.line("")
		b.line(b.text("Also similar to: ") + strings.Join(also, b.text("; ")) + b.text("."))
	}
	return b.String()
}

func (b *replyBuilder) match(m engine.Match, kind engine.Kind) {
	title := m.Title
	if title == "" {
		title = m.EntryID
	}
	b.line("")
	if b.md {
		b.line("**" + b.text(title) + "**")
	} else {
		b.line(`"` + oneLine(title) + `"`)
	}
	if m.Rating != "" {
		b.line(b.text("Rating: ") + b.em(m.Rating))
	}
	if m.Claim != "" {
		b.line(b.text("Claim: " + m.Claim))
	}
	if len(m.FactChecks) > 0 {
		b.line(b.text("Fact-checks:"))
		for _, fc := range m.FactChecks {
			b.line("- " + b.factCheck(fc))
		}
	}
	if kind == engine.KindVideo && len(m.Segments) > 0 {
		s := m.Segments[0]
		b.line("")
		b.line(b.text(fmt.Sprintf("Matching part: %s–%s of this video (%s–%s of the debunked one).",
			clock(s.QueryStart), clock(s.QueryEnd), clock(s.EntryStart), clock(s.EntryEnd))))
	}
}

func (b *replyBuilder) factCheck(fc engine.FactCheck) string {
	var s string
	switch {
	case b.md && fc.URL != "":
		s = "[" + b.text(fc.Publisher) + "](" + mdURL(fc.URL) + ")"
	case fc.URL != "":
		s = oneLine(fc.Publisher + ": " + fc.URL)
	default:
		s = b.text(fc.Publisher)
	}
	var extra []string
	if fc.Rating != "" {
		extra = append(extra, b.text("rated ")+b.em(fc.Rating))
	}
	if fc.Date != "" {
		extra = append(extra, b.text(fc.Date))
	}
	if len(extra) > 0 {
		if b.md || fc.URL == "" {
			s += " (" + strings.Join(extra, ", ") + ")"
		} else {
			// Keep the link last on its line, where messengers find it.
			s = oneLine(fc.Publisher) + " (" + strings.Join(extra, ", ") + "): " + oneLine(fc.URL)
		}
	}
	return s
}

type replyBuilder struct {
	md bool
	sb strings.Builder
}

func (b *replyBuilder) line(s string) {
	b.sb.WriteString(s)
	b.sb.WriteByte('\n')
}

// String is the reply. In Markdown, consecutive lines of a paragraph end
// with two spaces, a hard line break, so that CommonMark renderers keep
// them apart as chat apps do.
func (b *replyBuilder) String() string {
	lines := strings.Split(strings.TrimRight(b.sb.String(), "\n"), "\n")
	if b.md {
		for i := 0; i+1 < len(lines); i++ {
			if lines[i] != "" && lines[i+1] != "" && !strings.HasPrefix(lines[i+1], "- ") {
				lines[i] += "  "
			}
		}
	}
	return strings.Join(lines, "\n")
}

// text escapes s for Markdown; plain text is left as it is.
func (b *replyBuilder) text(s string) string {
	s = oneLine(s)
	if !b.md {
		return s
	}
	var out strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>#|~", r) {
			out.WriteByte('\\')
		}
		out.WriteRune(r)
	}
	return out.String()
}

func (b *replyBuilder) strong(s string) string {
	if b.md {
		return "**" + b.text(s) + "**"
	}
	return s
}

func (b *replyBuilder) em(s string) string {
	if b.md {
		return "*" + b.text(s) + "*"
	}
	return oneLine(s)
}

// oneLine keeps registry text from breaking the reply's layout: line
// breaks and other control characters become spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// mdURL makes a URL safe inside a Markdown link's parentheses.
func mdURL(u string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(u)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// clock formats seconds as m:ss.
func clock(sec float64) string {
	t := int(math.Round(max(0, sec)))
	return fmt.Sprintf("%d:%02d", t/60, t%60)
}
