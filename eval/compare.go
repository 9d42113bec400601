package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// ReadSummary reads a report written with -json.
func ReadSummary(path string) (*Summary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.Results = nil
	return &s, nil
}

// WriteComparison prints runs side by side (a small and a scale run, or
// before and after a change): recall per transformation, negatives,
// checking times and the registry's size, one column per run.
func WriteComparison(w io.Writer, names []string, sums []*Summary) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("Runs:\n\n")
	for i, s := range sums {
		reg := "small registry"
		if s.Scale != nil {
			reg = fmt.Sprintf("scale registry (%d distractor photos, %d clips)", s.Scale.Photos, s.Scale.Clips)
		}
		p("%d. `%s` — `%s`, %s; %s; %s\n", i+1, names[i], s.Command, s.Date, s.Machine, reg)
	}
	head := func(first string) {
		p("\n| %s |", first)
		for i := range sums {
			p(" %d |", i+1)
		}
		p("\n|---|%s\n", strings.Repeat("---:|", len(sums)))
	}
	row := func(label string, cell func(s *Summary) string) {
		p("| %s |", label)
		for _, s := range sums {
			p(" %s |", cell(s))
		}
		p("\n")
	}
	// Recall per transformation and kind, in the order of the first run
	// that has the row.
	type key struct{ t, k string }
	var keys []key
	seen := map[key]bool{}
	for _, s := range sums {
		for _, r := range s.Rows {
			k := key{r.Transform, r.Kind}
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	find := func(s *Summary, k key) (Row, bool) {
		for _, r := range s.Rows {
			if r.Transform == k.t && r.Kind == k.k {
				return r, true
			}
		}
		return Row{}, false
	}
	recall := func(r Row, ok bool) string {
		if !ok || r.Files == 0 {
			return "–"
		}
		c := fmt.Sprintf("%.2f", r.Recall)
		if r.RecallPossible != r.Recall {
			c += fmt.Sprintf(" (%.2f)", r.RecallPossible)
		}
		if r.WrongMatch > 0 {
			c += fmt.Sprintf(", %d wrong", r.WrongMatch)
		}
		return c
	}
	p("\nRecall (`match`; in brackets `match` or `possible_match` when different):\n")
	head("transformation")
	for _, k := range keys {
		row(k.t+" ("+k.k+")", func(s *Summary) string { r, ok := find(s, k); return recall(r, ok) })
	}
	for _, kind := range []string{"video", "image"} {
		row("**overall, "+kind+"s**", func(s *Summary) string {
			r, ok := s.Overall[kind]
			return fmt.Sprintf("**%s** of %d", recall(r, ok), r.Files)
		})
	}
	p("\nNegatives and checking:\n")
	head("")
	row("negatives", func(s *Summary) string { return fmt.Sprint(s.Negatives.Files) })
	row("false `match`", func(s *Summary) string { return fmt.Sprint(s.Negatives.Match) })
	row("false `possible_match`", func(s *Summary) string {
		return fmt.Sprintf("%d (%.1f%%)", s.Negatives.Possible, 100*s.Negatives.PossibleRate)
	})
	row("matches of a distractor", func(s *Summary) string {
		if s.Scale == nil {
			return "–"
		}
		return fmt.Sprint(len(s.DistractorHits))
	})
	for _, kind := range []string{"video", "image"} {
		row(kind+" files checked", func(s *Summary) string {
			if c := s.Check[kind]; c != nil {
				return fmt.Sprint(c.Files)
			}
			return "–"
		})
		row(kind+" check p50 / p95 ms", func(s *Summary) string {
			if c := s.Check[kind]; c != nil && c.Files > 0 {
				return fmt.Sprintf("%d / %d", c.P50MS, c.P95MS)
			}
			return "–"
		})
		row(kind+" files/s", func(s *Summary) string {
			if c := s.Check[kind]; c != nil && c.Files > 0 {
				return fmt.Sprintf("%.2f", c.FilesPerSecond())
			}
			return "–"
		})
	}
	row("registry cases", func(s *Summary) string { return fmt.Sprint(s.Register.Cases) })
	row("PDQ hashes in the index", func(s *Summary) string { return fmt.Sprint(s.Register.IndexEntries) })
	row("local-feature frames / descriptors", func(s *Summary) string {
		return fmt.Sprintf("%d / %d", s.Register.LocalFrames, s.Register.LocalDescriptors)
	})
	row("snapshot heap MiB", func(s *Summary) string { return fmt.Sprintf("%.0f", float64(s.Register.SnapshotHeap)/(1<<20)) })
	row("peak resident MiB", func(s *Summary) string { return fmt.Sprintf("%.0f", float64(s.Register.PeakRSS)/(1<<20)) })
	p("\n")
}
