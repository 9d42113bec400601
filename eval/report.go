package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"

	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/rules"
)

// Summary is the evaluation's outcome: what the Markdown report shows and
// the JSON report holds (with every result).
type Summary struct {
	Command   string                 `json:"command"`
	Date      string                 `json:"date"`
	Machine   string                 `json:"machine"`
	Config    map[string]any         `json:"config"`
	Corpus    CorpusStats            `json:"corpus"`
	Rows      []Row                  `json:"transforms"`
	Overall   map[string]Row         `json:"overall"`
	Negatives NegativeStats          `json:"negatives"`
	Register  RegisterStats          `json:"registration"`
	Check     map[string]*CheckStats `json:"check"`
	Timings   []Timing               `json:"timings"`
	Misses    []*Result              `json:"misses"`
	Failed    []*Result              `json:"failed_files,omitempty"`
	NotMade   []string               `json:"variants_not_made,omitempty"`
	// Scale mode: the distractors, and every match of one.
	Scale          *ScaleStats     `json:"scale,omitempty"`
	DistractorHits []DistractorHit `json:"distractor_hits,omitempty"`
	Results        []*Result       `json:"results,omitempty"`
}

// CorpusStats count the corpus.
type CorpusStats struct {
	RegisteredVideos     int               `json:"registered_videos"`
	RegisteredImages     int               `json:"registered_images"`
	RealVideos           int               `json:"registered_debian_videos"` // from Debian packages (clips, pans over photos)
	RealImages           int               `json:"registered_debian_images"`
	Variants             int               `json:"variants"`
	Negatives            int               `json:"negatives"`
	TransformedNegatives int               `json:"transformed_negatives"`
	Packages             map[string]string `json:"packages"`
}

// Row is the recall of one transformation on one kind of registered media.
type Row struct {
	Transform       string  `json:"transform"`
	Kind            string  `json:"kind"`
	Control         bool    `json:"control,omitempty"`
	Files           int     `json:"files"`
	Match           int     `json:"match"`
	MatchOrPossible int     `json:"match_or_possible"`
	WrongMatch      int     `json:"wrong_match"`
	Errors          int     `json:"errors"`
	Recall          float64 `json:"recall"`
	RecallPossible  float64 `json:"recall_match_or_possible"`
}

func (r *Row) add(res *Result) {
	r.Files++
	if res.Recalled(rules.Match) {
		r.Match++
	}
	if res.Recalled(rules.PossibleMatch) {
		r.MatchOrPossible++
	}
	if res.WrongMatch {
		r.WrongMatch++
	}
	if res.Error != "" {
		r.Errors++
	}
	r.Recall = ratio(r.Match, r.Files)
	r.RecallPossible = ratio(r.MatchOrPossible, r.Files)
}

// DistractorHit is a checked file that got possible_match or match for a
// distractor case (scale mode).
type DistractorHit struct {
	Query    string        `json:"query"`
	File     string        `json:"file"`
	Expected string        `json:"expected,omitempty"` // "" for a negative
	Case     string        `json:"case"`
	Verdict  rules.Verdict `json:"verdict"`
	Distance int           `json:"distance"`
	Frames   int           `json:"frames_matched"`
	Origin   string        `json:"origin"`
}

// NegativeStats count false alarms.
type NegativeStats struct {
	Files        int            `json:"files"`
	Match        int            `json:"false_match"`
	Possible     int            `json:"false_possible_match"`
	PossibleRate float64        `json:"false_possible_rate"`
	Errors       int            `json:"errors"`
	ByCategory   map[string]int `json:"by_category"`
	Offending    []*Result      `json:"offending"`
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Summarise computes the summary of a run.
func Summarise(run *Run, command string) *Summary {
	s := &Summary{
		Command: command,
		Date:    run.Started.UTC().Format("2006-01-02 15:04 UTC"),
		Machine: fmt.Sprintf("%s/%s, %d cores, load %s, %d workers", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), loadAvg(), run.Options.Workers),
		Overall: map[string]Row{},
		Check:   map[string]*CheckStats{},
		Timings: run.Timings,
		NotMade: run.VariantErrors,
	}
	t := run.Config.Thresholds
	sm := run.Config.Sampling
	s.Config = map[string]any{
		"match_distance": t.MatchDistance, "possible_distance": t.PossibleDistance, "min_quality": t.MinQuality,
		"min_frames": t.MinFrames, "min_coverage": t.MinCoverage, "query_fps": sm.QueryFPS, "register_fps": sm.RegisterFPS,
		"frame_size": sm.FrameSize, "config_file": run.Options.Config,
	}
	for _, it := range run.Plan.Registered {
		real := len(it.Pkgs) > 0
		if it.Probe.Kind == media.KindVideo {
			s.Corpus.RegisteredVideos++
			if real {
				s.Corpus.RealVideos++
			}
		} else {
			s.Corpus.RegisteredImages++
			if real {
				s.Corpus.RealImages++
			}
		}
	}
	s.Corpus.Packages = run.Versions
	s.Register = run.Register
	for k, v := range run.CheckStats {
		s.Check[string(k)] = v
	}
	s.Negatives.ByCategory = map[string]int{}
	if run.Scale != nil {
		sc := *run.Scale
		sc.Origins = nil
		s.Scale = &sc
		for _, res := range run.Results {
			if res == nil {
				continue
			}
			for _, m := range res.Matches {
				if o, ok := run.Scale.Origins[m.Entry]; ok {
					s.DistractorHits = append(s.DistractorHits, DistractorHit{Query: res.ID, File: res.File, Expected: res.Expected,
						Case: m.Entry, Verdict: m.Verdict, Distance: m.Distance, Frames: m.FramesMatched, Origin: o})
				}
			}
		}
	}

	rows := map[string]*Row{}
	var order []string
	for _, r := range Recipes {
		for _, k := range []media.Kind{media.KindVideo, media.KindImage} {
			key := r.Name + "|" + string(k)
			rows[key] = &Row{Transform: r.Name, Kind: string(k), Control: r.IsControl()}
			order = append(order, key)
		}
	}
	overall := map[media.Kind]*Row{
		media.KindVideo: {Transform: "overall", Kind: "video"},
		media.KindImage: {Transform: "overall", Kind: "image"},
	}
	for _, res := range run.Results {
		if res == nil {
			continue
		}
		if res.Error != "" {
			s.Failed = append(s.Failed, res)
		}
		if res.Expected == "" {
			s.Negatives.Files++
			s.Negatives.ByCategory[res.Category]++
			if res.Transform != "" {
				s.Corpus.TransformedNegatives++
			} else {
				s.Corpus.Negatives++
			}
			if res.Error != "" {
				s.Negatives.Errors++
			}
			switch res.Verdict {
			case rules.Match:
				s.Negatives.Match++
				s.Negatives.Offending = append(s.Negatives.Offending, res)
			case rules.PossibleMatch:
				s.Negatives.Possible++
				s.Negatives.Offending = append(s.Negatives.Offending, res)
			}
			continue
		}
		s.Corpus.Variants++
		rows[res.Transform+"|"+string(res.SourceKind)].add(res)
		if res.Transform != "original" {
			overall[res.SourceKind].add(res)
		}
		if !res.Recalled(rules.Match) || res.WrongMatch {
			s.Misses = append(s.Misses, res)
		}
	}
	s.Negatives.PossibleRate = ratio(s.Negatives.Possible, s.Negatives.Files)
	for _, key := range order {
		if rows[key].Files > 0 {
			s.Rows = append(s.Rows, *rows[key])
		}
	}
	for k, r := range overall {
		s.Overall[string(k)] = *r
	}
	sort.SliceStable(s.Misses, func(i, j int) bool {
		if s.Misses[i].Transform != s.Misses[j].Transform {
			return recipeIndex(s.Misses[i].Transform) < recipeIndex(s.Misses[j].Transform)
		}
		return s.Misses[i].ID < s.Misses[j].ID
	})
	return s
}

func recipeIndex(name string) int {
	for i, r := range Recipes {
		if r.Name == name {
			return i
		}
	}
	return len(Recipes)
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// WriteJSON writes the summary with every result.
func WriteJSON(w io.Writer, s *Summary, results []*Result) error {
	c := *s
	for _, r := range results {
		if r != nil {
			c.Results = append(c.Results, r)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(&c)
}

// WriteMarkdown writes the report: recall per transformation, negatives,
// throughput, timings, and the evidence for each miss (when misses is set).
func WriteMarkdown(w io.Writer, s *Summary, misses bool) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	c := s.Corpus
	p("Command: `%s`  \nDate: %s; machine: %s.  \n", s.Command, s.Date, s.Machine)
	p("Thresholds: match_distance %v, possible_distance %v, min_quality %v, min_frames %v, min_coverage %v; query %v fps, register %v fps.\n\n",
		s.Config["match_distance"], s.Config["possible_distance"], s.Config["min_quality"], s.Config["min_frames"],
		s.Config["min_coverage"], s.Config["query_fps"], s.Config["register_fps"])
	p("Corpus: %d registered videos (%d from Debian packages), %d registered images (%d from Debian packages), %d variants; %d negatives and %d transformed negatives.\n",
		c.RegisteredVideos, c.RealVideos, c.RegisteredImages, c.RealImages, c.Variants, c.Negatives, c.TransformedNegatives)
	if len(c.Packages) > 0 {
		var pk []string
		for name, v := range c.Packages {
			pk = append(pk, name+" "+v)
		}
		sort.Strings(pk)
		p("Packages: %s.\n", strings.Join(pk, ", "))
	}
	p("\n")

	p("### Recall per transformation\n\n")
	p("Recall is the share of variants whose registered original gets a `match`; \"match or possible\" also counts `possible_match`.\n\n")
	p("| transformation | videos | match | match or possible | images | match | match or possible |\n")
	p("|---|---:|---:|---:|---:|---:|---:|\n")
	byName := map[string]map[string]Row{}
	var names []string
	for _, r := range s.Rows {
		if byName[r.Transform] == nil {
			byName[r.Transform] = map[string]Row{}
			names = append(names, r.Transform)
		}
		byName[r.Transform][r.Kind] = r
	}
	cell := func(r Row, ok bool) string {
		if !ok {
			return "| – | – | – "
		}
		x := fmt.Sprintf("| %d | %s | %s ", r.Files, pct(r.Recall, r.Files), pct(r.RecallPossible, r.Files))
		return x
	}
	for _, n := range names {
		v, vok := byName[n]["video"]
		i, iok := byName[n]["image"]
		label := n
		if (vok && v.Control) || (iok && i.Control) {
			label += " (control)"
		}
		p("| %s %s%s|\n", label, cell(v, vok), cell(i, iok))
	}
	ov, oi := s.Overall["video"], s.Overall["image"]
	p("| **overall** (without the control) %s%s|\n\n", cell(ov, ov.Files > 0), cell(oi, oi.Files > 0))
	var wrong []string
	for _, r := range s.Rows {
		if r.WrongMatch > 0 {
			wrong = append(wrong, fmt.Sprintf("%s/%s %d", r.Transform, r.Kind, r.WrongMatch))
		}
	}
	if len(wrong) > 0 {
		p("Variants that matched a wrong case: %s.\n\n", strings.Join(wrong, ", "))
	}

	n := s.Negatives
	p("### Negatives\n\n")
	p("| negatives | false `match` | false `possible_match` |\n|---:|---:|---:|\n")
	p("| %d | %d | %d (%.1f%%) |\n\n", n.Files, n.Match, n.Possible, 100*n.PossibleRate)
	var cats []string
	for k, v := range n.ByCategory {
		cats = append(cats, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(cats)
	p("By category: %s.\n\n", strings.Join(cats, ", "))
	if len(n.Offending) > 0 {
		p("False alarms:\n\n| file | verdict | case | distance | frames | coverage (query/entry) | nearest frames (raw) |\n|---|---|---|---:|---:|---|---|\n")
		for _, r := range n.Offending {
			p("| %s | %s | %s | %s |\n", r.ID, r.Verdict, r.Top, evidenceCells(r.Evidence))
		}
		p("\n")
	}

	p("### Throughput\n\n")
	p("| checking | files | wall s | files/s | video s per s | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, k := range []string{"video", "image"} {
		st := s.Check[k]
		if st == nil {
			continue
		}
		vps := "–"
		if k == "video" && st.Seconds > 0 {
			vps = fmt.Sprintf("%.1f", st.MediaSeconds/st.Seconds)
		}
		p("| %s files | %d | %.1f | %.2f | %s | %d | %d | %d |\n", k, st.Files, st.Seconds, st.FilesPerSecond(), vps, st.P50MS, st.P95MS, st.MaxMS)
	}
	rg := s.Register
	p("\nRegistration: %d media (%.0f s of video) in %.1f s; %d frames, %d views, %d index entries; snapshot load %.2f s.\n\n",
		rg.Media, rg.MediaSeconds, rg.Seconds, rg.Frames, rg.Views, rg.IndexEntries, rg.SnapshotSecs)
	p("Loaded registry: %d cases, %d PDQ hashes in the index, %d frames with %d local-feature descriptors; the snapshot holds %.1f MiB of heap; the process's peak resident memory was %.0f MiB.\n\n",
		rg.Cases, rg.IndexEntries, rg.LocalFrames, rg.LocalDescriptors, float64(rg.SnapshotHeap)/(1<<20), float64(rg.PeakRSS)/(1<<20))
	if sc := s.Scale; sc != nil {
		x := sc.Exclusions
		p("### Scale registry\n\n")
		p("Preloaded before the corpus: %d distractor photos and %d clips (%g s each) of real content from Debian packages (key %s): %d registered frames, %d views, %d PDQ hashes, %d frames with local features holding %d descriptors (%.1f MiB); %.1f MiB of heap for their snapshot alone; %.0f MB on disk; built in %.0f s.\n\n",
			sc.Photos, sc.Clips, sc.ClipSeconds, sc.Key, sc.Frames, sc.Views, sc.Hashes, sc.LocalFrames, sc.Descriptors, float64(sc.LocalBytes)/(1<<20),
			float64(sc.HeapBytes)/(1<<20), float64(sc.DBBytes)/1e6, sc.BuildSeconds)
		p("Pool: %d pictures of at least %d px scanned; left out: %d that corpus media are made from, %d with the digest of such a file (copies elsewhere), %d in the directory of such a file (siblings), %d duplicates within the pool, %d within possible_distance of a corpus picture (PDQ, any rotation or mirroring), %d undecodable; %d kept.\n\n",
			x.Scanned, scaleMinSide, x.InCorpus, x.SameDigest, x.Sibling, x.Duplicate, x.NearDuplicate, x.Undecodable, x.Kept)
		for _, e := range x.Examples {
			p("- left out: %s\n", e)
		}
		if len(x.Examples) > 0 {
			p("\n")
		}
		if len(s.DistractorHits) == 0 {
			p("No checked file got `match` or `possible_match` for a distractor.\n\n")
		} else {
			p("Checked files that got `match` or `possible_match` for a distractor:\n\n| file | expected | distractor | verdict | distance | frames | made from |\n|---|---|---|---|---:|---:|---|\n")
			for _, h := range s.DistractorHits {
				exp := h.Expected
				if exp == "" {
					exp = "(negative)"
				}
				p("| %s | %s | %s | %s | %d | %d | %s |\n", h.Query, exp, h.Case, h.Verdict, h.Distance, h.Frames, h.Origin)
			}
			p("\n")
		}
	}
	p("| phase | wall s | |\n|---|---:|---|\n")
	for _, t := range s.Timings {
		p("| %s | %.1f | %s |\n", t.Phase, t.Seconds, t.Note)
	}
	p("\n")
	if len(s.NotMade) > 0 {
		p("Variants ffmpeg could not make (left out of the figures):\n\n")
		for _, e := range s.NotMade {
			p("- %s\n", firstLine(e))
		}
		p("\n")
	}
	if len(s.Failed) > 0 {
		p("Files that could not be checked:\n\n")
		for _, r := range s.Failed {
			p("- %s: %s\n", r.ID, r.Error)
		}
		p("\n")
	}
	if misses && len(s.Misses) > 0 {
		p("### Misses (variants without a `match` of their original)\n\n")
		p("Reported: the report's evidence for the original (distance, frames matched, query/entry coverage), if it was among the matches. ")
		p("Nearest frames: computed from the fingerprints, every view of every query frame against every view of the registered frames: ")
		p("best distance (query view → registered view), and how many informative query frames have a registered frame within match / possible distance.\n\n")
		p("| variant | verdict for the original | top case | distance | frames | coverage (query/entry) | nearest frames (raw) |\n|---|---|---|---:|---:|---|---|\n")
		for _, r := range s.Misses {
			top := r.Top
			if top == r.Expected {
				top = "(same)"
			}
			if r.WrongMatch {
				top += " WRONG MATCH"
			}
			p("| %s | %s | %s | %s |\n", r.ID, r.Hit, top, evidenceCells(r.Evidence))
		}
		p("\n")
	}
}

func evidenceCells(ev *Evidence) string {
	if ev == nil {
		return "– | – | – | –"
	}
	rep := "– | – | –"
	if m := ev.Reported; m != nil {
		rep = fmt.Sprintf("%d | %d | %.2f/%.2f", m.Distance, m.FramesMatched, m.QueryCoverage, m.EntryCoverage)
	}
	raw := "–"
	switch {
	case ev.Error != "":
		raw = "error: " + ev.Error
	case ev.BestDistance >= 0:
		raw = fmt.Sprintf("%d (%s→%s); %d/%d within match, %d within possible", ev.BestDistance, ev.BestQueryView, ev.BestEntryView,
			ev.WithinMatch, ev.QueryFrames, ev.WithinPossible)
	case ev.QueryFrames == 0 && ev.Error == "":
		raw = "no informative query frame"
	}
	return rep + " | " + raw
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func pct(v float64, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}
