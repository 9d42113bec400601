package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/provcheck/provcheck/batch"
	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/report"
	"github.com/spf13/cobra"
)

func (a *app) checkCmd() *cobra.Command {
	var format, failOn string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "check FILE...",
		Short: "Check images and videos against the registry of debunked media",
		Long: `check fingerprints each file and reports whether it shows a known debunked
case: the verdict, the case, its fact-checks, the matched segments and the
evidence. Files that cannot be read are reported and the others still
checked. "-" reads one file from standard input (at most
limits.max_file_size bytes). --quiet prints nothing: the exit code tells
(with --fail-on).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			f, err := report.ParseFormat(format, report.Text, report.JSON, report.JSONL)
			if err != nil {
				return usageErr(err)
			}
			fail, err := parseFailOn(failOn)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			e, err := a.checkEngine(ctx)
			if err != nil {
				return err
			}
			defer e.Close()
			if a.verbose {
				defer logMemory(a)
			}
			out := cmd.OutOrStdout()
			if quiet {
				out = io.Discard
			}
			w := report.NewReportWriter(out, f, a.style())
			if n := slices.Index(files, "-"); n >= 0 && slices.Index(files[n+1:], "-") >= 0 {
				return usageErr(errors.New(`"-" (standard input) can be given once`))
			}
			if st, err := e.Staleness(ctx); err == nil && st.Outdated > 0 {
				fmt.Fprintf(a.stderr, "provcheck: note: %d of %d registered media were fingerprinted by an older provcheck (%s); register them again to match as well as new media\n",
					st.Outdated, st.Media, strings.Join(st.What, ", "))
			}
			failed, tripped := 0, false
			// Files are checked in parallel, one per CPU, and reported in
			// the order given; "-" is the file on standard input.
			p := batch.Pipeline[string, engine.Report]{
				Workers: runtime.NumCPU(), Ordered: true,
				Work: func(ctx context.Context, file string) (engine.Report, error) {
					var rep engine.Report
					var err error
					if file == "-" {
						rep, err = e.CheckReader(ctx, "-", a.stdin)
					} else {
						rep, err = e.Check(ctx, file)
					}
					if err != nil {
						return rep, usageErr(err)
					}
					return rep, nil
				},
				Emit: func(_ string, rep engine.Report) error {
					if rep.Failed() {
						failed++
					} else if fail != "" && rep.Verdict.Rank() >= fail.Rank() {
						tripped = true
					}
					return w.Write(rep)
				},
			}
			if _, err := p.Run(ctx, slices.Values(files)); err != nil {
				return err
			}
			if ctx.Err() != nil {
				w.Flush()
				return &exitError{exitInputFailed, errors.New("interrupted")}
			}
			if err := w.Flush(); err != nil {
				return err
			}
			switch {
			case failed > 0:
				return &exitError{exitInputFailed, fmt.Errorf("%d of %d file(s) could not be checked", failed, len(files))}
			case tripped:
				return &exitError{exitFailOn, nil}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text, json or jsonl")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print no report (the exit code tells; errors still go to stderr)")
	cmd.Flags().StringVar(&failOn, "fail-on", "", "exit 1 when a file gets this verdict or a stronger one: match or possible_match")
	cmd.Flags().Float64("query-fps", 0, "video frames sampled per second (default 2)")
	bindKey(cmd.Flags(), "query-fps", "sampling.query_fps")
	return cmd
}

// logMemory logs the process's peak resident memory and what it holds now
// of its own (anonymous) memory and of mapped files (the index file's
// pages, shared with the page cache), where /proc tells.
func logMemory(a *app) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	var args []any
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && (k == "VmHWM" || k == "RssAnon" || k == "RssFile") {
			args = append(args, k, strings.TrimSpace(v))
		}
	}
	a.log.Debug("memory", args...)
}
