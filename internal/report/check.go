package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/rules"
)

// ReportWriter writes check reports one file at a time.
type ReportWriter interface {
	Write(r engine.Report) error
	// Flush writes anything buffered.
	Flush() error
}

// NewReportWriter writes reports in format f (text, json, jsonl or csv).
func NewReportWriter(w io.Writer, f Format, st Style) ReportWriter {
	switch f {
	case JSON:
		return &jsonWriter{w: w, indent: true}
	case JSONL:
		return &jsonWriter{w: w}
	case CSV:
		return newCSVWriter(w)
	}
	return &textWriter{w: w, st: st}
}

type jsonWriter struct {
	w      io.Writer
	indent bool
}

func (j *jsonWriter) Write(r engine.Report) error {
	var b []byte
	var err error
	if j.indent {
		b, err = json.MarshalIndent(r, "", "  ")
	} else {
		b, err = json.Marshal(r)
	}
	if err != nil {
		return err
	}
	// One write per report, so a line is never split between writers.
	_, err = j.w.Write(append(b, '\n'))
	return err
}

func (j *jsonWriter) Flush() error { return nil }

// CSVHeader is the header row of the csv format.
var CSVHeader = []string{"file", "kind", "verdict", "action", "entry_id", "score", "distance", "fact_check_url", "error"}

type csvWriter struct {
	w      io.Writer
	header bool
}

func newCSVWriter(w io.Writer) *csvWriter { return &csvWriter{w: w} }

// Write writes one row per file: its best match (if any) and that case's
// first fact-check URL.
func (c *csvWriter) Write(r engine.Report) error {
	var sb strings.Builder
	cw := csv.NewWriter(&sb)
	if !c.header {
		cw.Write(CSVHeader)
		c.header = true
	}
	row := CSVRow(r)
	cw.Write(row)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := io.WriteString(c.w, sb.String())
	return err
}

// CSVRow is the csv row for one report. Text that a spreadsheet would run
// as a formula (starting with = + - @, a tab or a carriage return — an
// upload can be named "=HYPERLINK(…)") is prefixed with a single quote.
func CSVRow(r engine.Report) []string {
	if r.Failed() {
		return []string{cell(r.File), "", "", "", "", "", "", "", cell(r.Error)}
	}
	row := []string{cell(r.File), string(r.Kind), string(r.Verdict), r.Action, "", "", "", "", ""}
	if len(r.Matches) > 0 {
		m := r.Matches[0]
		row[4] = m.EntryID
		row[5] = strconv.FormatFloat(m.Score, 'f', 3, 64)
		row[6] = strconv.Itoa(m.Distance)
		for _, fc := range m.FactChecks {
			if fc.URL != "" {
				row[7] = cell(fc.URL)
				break
			}
		}
	}
	return row
}

func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (c *csvWriter) Flush() error { return nil }

type textWriter struct {
	w  io.Writer
	st Style
}

func (t *textWriter) Write(r engine.Report) error {
	r = cleanReport(r)
	var b strings.Builder
	st := t.st
	if r.Failed() {
		fmt.Fprintf(&b, "%s: %s %s\n", r.File, st.red("ERROR"), r.Error)
		_, err := io.WriteString(t.w, b.String())
		return err
	}
	switch r.Verdict {
	case rules.Match:
		fmt.Fprintf(&b, "%s: %s", r.File, st.red("MATCH"))
	case rules.PossibleMatch:
		fmt.Fprintf(&b, "%s: %s", r.File, st.yellow("POSSIBLE MATCH"))
	default:
		fmt.Fprintf(&b, "%s: %s", r.File, st.green("no match"))
	}
	fmt.Fprintf(&b, " %s\n", st.dim(fmt.Sprintf("(%s, %s, %d informative frame(s), %d ms; action: %s)", r.Kind, describeLength(r), r.Frames, r.ElapsedMS, r.Action)))
	if r.FramesTruncated {
		fmt.Fprintf(&b, "  Only the first %s of %s was checked (sampling.max_frames).\n", Clock(r.CheckedUntil), Clock(r.Duration))
	}
	if r.Frames == 0 {
		b.WriteString("  No frame had enough detail to compare (uniform or nearly blank).\n")
	}
	for i, m := range r.Matches {
		if i > 0 {
			b.WriteString("\n")
		}
		writeMatch(&b, r, m, st)
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

func writeMatch(b *strings.Builder, r engine.Report, m engine.Match, st Style) {
	label := "Match"
	if m.Verdict == rules.PossibleMatch {
		label = "Possible match"
	}
	fmt.Fprintf(b, "  %s: %s\n", label, st.bold(m.Title))
	meta := []string{"case " + m.EntryID}
	if m.Rating != "" {
		meta = append(meta, "rated "+st.bold(m.Rating))
	}
	if m.Category != "" {
		meta = append(meta, m.Category)
	}
	fmt.Fprintf(b, "    %s\n", strings.Join(meta, " · "))
	if m.Claim != "" {
		fmt.Fprintf(b, "    Claim: %q\n", m.Claim)
	}
	if len(m.FactChecks) > 0 {
		b.WriteString("    Fact-checks:\n")
		for _, fc := range m.FactChecks {
			line := fc.Publisher
			var extra []string
			if fc.Rating != "" {
				extra = append(extra, fc.Rating)
			}
			if fc.Date != "" {
				extra = append(extra, fc.Date)
			}
			if len(extra) > 0 {
				line += " (" + strings.Join(extra, ", ") + ")"
			}
			if fc.Title != "" {
				line += ": " + fc.Title
			}
			fmt.Fprintf(b, "      - %s\n", line)
			if fc.URL != "" {
				fmt.Fprintf(b, "        %s\n", fc.URL)
			}
		}
	}
	if m.IdenticalFile {
		fmt.Fprintf(b, "    Identical file: byte for byte %s (the same SHA-256)\n", orDefault(m.Media, "the registered medium"))
	}
	if !m.IdenticalFile || m.FramesMatched > 0 {
		ev := fmt.Sprintf("%d frame(s) matched", m.FramesMatched)
		if r.Kind == "video" {
			ev += fmt.Sprintf(" (%.0f%% of this clip)", 100*m.QueryCoverage)
		}
		ev += fmt.Sprintf(", %.0f%% of the registered medium covered, best distance %d/256, score %.2f", 100*m.EntryCoverage, m.Distance, m.Score)
		fmt.Fprintf(b, "    Evidence: %s\n", ev)
	}
	if g := m.Region; g != nil {
		where := "this file"
		if r.Kind == "video" {
			where = "this file at " + Clock(g.QueryT)
		}
		mirrored := ""
		if g.Mirror {
			mirrored = ", mirrored"
		}
		fmt.Fprintf(b, "    Matched region: %s of the registered picture (from %s) found in %s (%s)%s, %d matching features\n",
			describeBox(g.Entry), boxCorner(g.Entry), where, describeBox(g.Query)+" of the frame from "+boxCorner(g.Query), mirrored, g.Inliers)
	}
	switch {
	case r.Kind != "video":
		// A still matches one moment of the registered medium (or a still).
		if len(m.Segments) > 0 && m.Segments[0].EntryEnd > 0 {
			fmt.Fprintf(b, "    Matches %s at %s\n", orDefault(m.Media, "the registered medium"), Clock(m.Segments[0].EntryStart))
		}
	case len(m.Segments) > 0:
		b.WriteString("    Matched segments (this file ↔ " + orDefault(m.Media, "registered medium") + "):\n")
		for _, s := range m.Segments {
			fmt.Fprintf(b, "      %s–%s ↔ %s–%s\n", Clock(s.QueryStart), Clock(s.QueryEnd), Clock(s.EntryStart), Clock(s.EntryEnd))
		}
	}
}

// describeBox is a region's size: "71% × 71%" of the width and height.
func describeBox(x engine.Box) string {
	return fmt.Sprintf("%.0f%% × %.0f%%", 100*x.W, 100*x.H)
}

// boxCorner is where a region starts: its top left corner as
// "left 0%, top 29%".
func boxCorner(x engine.Box) string {
	return fmt.Sprintf("left %.0f%%, top %.0f%%", 100*x.X, 100*x.Y)
}

func describeLength(r engine.Report) string {
	if r.Kind == "video" {
		return Clock(r.Duration)
	}
	return "still"
}

// Clock formats seconds as m:ss.s.
func Clock(sec float64) string {
	if sec < 0 {
		sec = 0
	}
	m := int(sec) / 60
	s := sec - float64(m*60)
	return fmt.Sprintf("%d:%04.1f", m, s)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (t *textWriter) Flush() error { return nil }
