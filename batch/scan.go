// Package batch checks many files at once, the stage behind `provcheck
// scan`, for moderators running provcheck over thousands of uploads in a
// pipeline: it walks files and directories (or a list of paths on standard
// input), checks each file with the engine on a bounded pool of workers,
// writes one line per file (the check report as JSON, or a csv row)
// through a single writer, fingerprints identical files once, and can
// resume a run that was interrupted.
package batch

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/report"
	"github.com/provcheck/provcheck/rules"
)

// Checker checks files: *engine.Engine is the Checker of the command line;
// tests wrap it. Identical contents are fingerprinted once (the engine's
// cache); an error return (a registry failure) stops the scan.
type Checker interface {
	CheckFile(ctx context.Context, path string, opt engine.CheckOptions) (engine.Checked, error)
}

// Options configure a scan.
type Options struct {
	// Paths are files and directories (walked recursively); "-" reads
	// more paths from Stdin, one per line (NUL-separated with NulSep).
	Paths  []string
	Stdin  io.Reader
	NulSep bool

	Workers int  // concurrent checks; < 1 means the number of CPUs
	Ordered bool // write lines in walk order rather than as files finish

	Format report.Format // report.JSONL (default) or report.CSV
	// OutputFile receives the lines when set, each written whole as soon as
	// it is ready; otherwise they go to Out.
	OutputFile string
	Out        io.Writer
	// Resume continues an earlier run writing to OutputFile: files it
	// reported are skipped and new lines appended.
	Resume bool

	// Include and Exclude select files by glob. A pattern without a slash
	// matches base names anywhere ("*.mp4"); one with a slash matches the
	// path below the scanned directory (or the path as given, for a file
	// named explicitly), "**" standing for any number of directories. With
	// Include, only matching files are scanned; an excluded directory is
	// not entered.
	Include, Exclude []string
	MaxSize          int64 // larger files are reported as too large; 0: no limit
	// Timeout bounds the work on one file (reading it and fingerprinting
	// it); 0: only the engine's own limit applies.
	Timeout        time.Duration
	FollowSymlinks bool
	// FailOn is the verdict (or stronger) that makes Summary.FailOnSeen
	// true; "" for none.
	FailOn rules.Verdict

	// Grace is how long files being checked may still finish after ctx is
	// cancelled; closing Abandon gives up on them at once. Abandoned files
	// get no line, so a resumed run checks them.
	Grace   time.Duration
	Abandon <-chan struct{}

	// Progress, when set, receives a one-line progress display redrawn
	// with carriage returns (give it a terminal only).
	Progress io.Writer
	Log      *slog.Logger
}

// Counts are the outcomes of reported files.
type Counts struct {
	Files           int `json:"files"`
	Matches         int `json:"matches"`
	PossibleMatches int `json:"possible_matches"`
	NoMatches       int `json:"no_matches"`
	Errors          int `json:"errors"`
}

func (c *Counts) add(v rules.Verdict, failed bool) {
	c.Files++
	switch {
	case failed:
		c.Errors++
	case v == rules.Match:
		c.Matches++
	case v == rules.PossibleMatch:
		c.PossibleMatches++
	default:
		c.NoMatches++
	}
}

// Summary describes a finished (or interrupted) scan.
type Summary struct {
	Counts                // files reported by this run
	Previous      Counts  // lines already in the output file (--resume)
	Images        int     // images checked
	Videos        int     // videos (and animations) checked
	VideoSeconds  float64 // total length of the videos checked
	Fingerprinted int     // files fingerprinted; the others were duplicates
	Duplicates    int     // files whose content an earlier file had
	// What the walk passed over.
	Symlinks, Loops, Repeated, Excluded, Output int
	Abandoned                                   int  // files cut short by an interruption
	Interrupted                                 bool // the scan stopped before the end
	FailOnSeen                                  bool // a file (now or before) got the FailOn verdict
	Elapsed                                     time.Duration
	Trimmed                                     int64 // bytes of a partial last line dropped on resume
}

// FilesPerSecond is the throughput of this run.
func (s Summary) FilesPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Files) / s.Elapsed.Seconds()
}

// VideoSecondsPerSecond is how many seconds of video were checked per
// second of the run.
func (s Summary) VideoSecondsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return s.VideoSeconds / s.Elapsed.Seconds()
}

// Failed reports whether some file, in this run or a resumed one, could not
// be checked.
func (s Summary) Failed() bool { return s.Errors+s.Previous.Errors > 0 }

// Write writes the summary for a person.
func (s Summary) Write(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "scanned %s in %s (%.1f files/s", plural(s.Files, "file"), s.Elapsed.Round(time.Millisecond), s.FilesPerSecond())
	if s.Videos > 0 {
		fmt.Fprintf(&b, "; %s, %.1f video-seconds/s", plural(s.Videos, "video"), s.VideoSecondsPerSecond())
	}
	fmt.Fprintf(&b, "): %d match, %d possible match, %d no match, %s\n", s.Matches, s.PossibleMatches, s.NoMatches, plural(s.Errors, "error"))
	if s.Duplicates > 0 {
		fmt.Fprintf(&b, "  duplicates: %s with the content of an earlier file, not fingerprinted again\n", plural(s.Duplicates, "file"))
	}
	if s.Previous.Files > 0 || s.Trimmed > 0 {
		fmt.Fprintf(&b, "  resumed after %s already in the output (%d match, %d possible match, %s)", plural(s.Previous.Files, "file"), s.Previous.Matches, s.Previous.PossibleMatches, plural(s.Previous.Errors, "error"))
		if s.Trimmed > 0 {
			fmt.Fprintf(&b, "; dropped a partial last line of %d bytes", s.Trimmed)
		}
		b.WriteString("\n")
	}
	var skipped []string
	if s.Symlinks > 0 {
		skipped = append(skipped, plural(s.Symlinks, "symbolic link")+" (--follow-symlinks follows them)")
	}
	if s.Loops > 0 {
		skipped = append(skipped, plural(s.Loops, "symbolic link loop"))
	}
	if s.Repeated > 0 {
		skipped = append(skipped, plural(s.Repeated, "path")+" met twice")
	}
	if s.Excluded > 0 {
		skipped = append(skipped, fmt.Sprintf("%d excluded by --include/--exclude", s.Excluded))
	}
	if s.Output > 0 {
		skipped = append(skipped, "the output file")
	}
	if len(skipped) > 0 {
		fmt.Fprintf(&b, "  skipped: %s\n", join(skipped))
	}
	if s.Interrupted {
		fmt.Fprintf(&b, "  interrupted")
		if s.Abandoned > 0 {
			fmt.Fprintf(&b, " (%s in progress abandoned)", plural(s.Abandoned, "file"))
		}
		b.WriteString(": run again with --resume and the same --output to continue\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func join(parts []string) string {
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p)
	}
	return b.String()
}

// line is the outcome for one file, encoded by the worker.
type line struct {
	rep          engine.Report
	text         []byte
	fingerprints bool // the file was fingerprinted (not a duplicate)
	duplicate    bool
}

// scanner holds one run's state shared by the workers.
type scanner struct {
	c   Checker
	opt Options
}

// Run scans opt.Paths with c. Problems with single files become error lines
// and never stop the scan; the error return is for the scan itself: bad
// options, an output that cannot be written, a registry that fails.
// Cancelling ctx stops the scan cleanly: no new files are started, files
// in progress finish within opt.Grace or are abandoned, every line written
// is whole, and Summary.Interrupted is set.
func Run(ctx context.Context, c Checker, opt Options) (Summary, error) {
	start := time.Now()
	var sum Summary
	if opt.Format == "" {
		opt.Format = report.JSONL
	}
	if opt.Format != report.JSONL && opt.Format != report.CSV {
		return sum, fmt.Errorf("unknown format %q (want jsonl or csv)", opt.Format)
	}
	if len(opt.Paths) == 0 {
		return sum, errors.New("nothing to scan: give files, directories or - for a list on standard input")
	}
	if n := countStdin(opt.Paths); n > 1 {
		return sum, errors.New("- (read paths from standard input) can be given once")
	}
	if opt.Resume && opt.OutputFile == "" {
		return sum, errors.New("--resume needs --output: the file the interrupted scan was writing")
	}
	if opt.Workers < 1 {
		opt.Workers = runtime.NumCPU()
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	flt, err := newFilter(opt.Include, opt.Exclude)
	if err != nil {
		return sum, err
	}

	// The output: previous lines first (--resume), then the file is opened
	// for appending; every line is one write.
	prev := &previous{done: map[pathKey]struct{}{}}
	out := opt.Out
	var outFile *os.File
	if opt.OutputFile != "" {
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if opt.Resume {
			if prev, err = readPrevious(opt.OutputFile, opt.Format); err != nil {
				return sum, err
			}
			flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		if outFile, err = os.OpenFile(opt.OutputFile, flags, 0o644); err != nil {
			return sum, fmt.Errorf("--output: %w", err)
		}
		defer outFile.Close()
		out = outFile
	}
	if out == nil {
		out = io.Discard
	}
	sum.Previous, sum.Trimmed = prev.counts, prev.trimmed
	if opt.Format == report.CSV && !prev.header {
		if err := writeCSV(out, report.CSVHeader); err != nil {
			return sum, fmt.Errorf("writing the output: %w", err)
		}
	}

	stats := &walkStats{}
	w := newWalker(opt.FollowSymlinks, flt, prev.done, stats)
	w.stdin, w.nul, w.log = opt.Stdin, opt.NulSep, opt.Log
	if outFile != nil {
		if fi, err := outFile.Stat(); err == nil {
			w.out, w.hasOut = idOf(fi)
		}
	}

	s := &scanner{c: c, opt: opt}
	var prog *progress
	if opt.Progress != nil {
		prog = newProgress(opt.Progress, start)
		if countStdin(opt.Paths) == 0 {
			go prog.count(ctx, opt, flt, prev.done)
		}
		prog.start()
		defer prog.stop()
	}

	var failOnSeen bool
	failOn := func(v rules.Verdict) bool { return opt.FailOn != "" && v.Rank() >= opt.FailOn.Rank() }
	if opt.FailOn != "" && prev.counts.Files > 0 {
		failOnSeen = (failOn(rules.Match) && prev.counts.Matches > 0) ||
			(failOn(rules.PossibleMatch) && prev.counts.PossibleMatches > 0)
	}
	p := &Pipeline[target, line]{
		Workers: opt.Workers, Ordered: opt.Ordered, Grace: opt.Grace, Abandon: opt.Abandon,
		Work: s.work,
		Emit: func(_ target, l line) error {
			if _, err := out.Write(l.text); err != nil {
				return fmt.Errorf("writing the output: %w", err)
			}
			r := &l.rep
			sum.Counts.add(r.Verdict, r.Failed())
			if !r.Failed() {
				if r.Kind == engine.KindVideo {
					sum.Videos++
					sum.VideoSeconds += r.Duration
				} else {
					sum.Images++
				}
				if failOn(r.Verdict) {
					failOnSeen = true
				}
			}
			if l.fingerprints {
				sum.Fingerprinted++
			}
			if l.duplicate {
				sum.Duplicates++
			}
			if prog != nil {
				prog.add(r)
			}
			return nil
		},
	}
	st, err := p.Run(ctx, w.targets(opt.Paths))
	sum.Abandoned = st.Dropped
	sum.Interrupted = !st.Drained || st.Dropped > 0
	sum.FailOnSeen = failOnSeen
	sum.Symlinks, sum.Loops = int(stats.symlinks.Load()), int(stats.loops.Load())
	sum.Repeated, sum.Excluded, sum.Output = int(stats.repeated.Load()), int(stats.excluded.Load()), int(stats.output.Load())
	sum.Elapsed = time.Since(start)
	if err == nil && outFile != nil {
		err = outFile.Close()
	}
	return sum, err
}

func countStdin(paths []string) int {
	n := 0
	for _, p := range paths {
		if p == "-" {
			n++
		}
	}
	return n
}

// work checks one target. Per-file problems become error reports; the
// error return (a registry failure) stops the scan, and ErrDrop says the
// file was abandoned.
func (s *scanner) work(ctx context.Context, t target) (line, error) {
	start := time.Now()
	if t.err != nil {
		return s.encode(line{rep: engine.Report{File: t.path, Error: t.err.Error()}})
	}
	if err := s.sizeOK(t.path); err != nil {
		return s.encode(line{rep: engine.Report{File: t.path, Error: err.Error(), ElapsedMS: time.Since(start).Milliseconds()}})
	}
	c, err := s.c.CheckFile(ctx, t.path, engine.CheckOptions{Timeout: s.opt.Timeout})
	switch {
	case ctx.Err() != nil:
		return line{}, ErrDrop
	case err != nil:
		return line{}, err
	}
	c.Report.File = t.path
	return s.encode(line{rep: c.Report, fingerprints: c.Fingerprinted, duplicate: c.Cached})
}

// sizeOK refuses a file over --max-size before it is read.
func (s *scanner) sizeOK(path string) error {
	if s.opt.MaxSize <= 0 {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil // the check says what is wrong with it
	}
	if fi.Mode().IsRegular() && fi.Size() > s.opt.MaxSize {
		return fmt.Errorf("%w: %d bytes is over the %d-byte limit", engine.ErrTooLarge, fi.Size(), s.opt.MaxSize)
	}
	return nil
}

// encode renders the line in the output format.
func (s *scanner) encode(l line) (line, error) {
	var err error
	if s.opt.Format == report.CSV {
		var b bytes.Buffer
		err = writeCSV(&b, report.CSVRow(l.rep))
		l.text = b.Bytes()
	} else {
		l.text, err = json.Marshal(l.rep)
		l.text = append(l.text, '\n')
	}
	return l, err
}

func writeCSV(w io.Writer, rec []string) error {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write(rec)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
