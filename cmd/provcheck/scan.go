package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/provcheck/provcheck/batch"
	"github.com/provcheck/provcheck/internal/report"
	"github.com/spf13/cobra"
)

// --max-size is limits.max_file_size, so the config file sets its default.

// scanGrace is how long files in progress may finish after an interrupt.
const scanGrace = 10 * time.Second

func (a *app) scanCmd() *cobra.Command {
	var (
		format, outFile, failOn                string
		workers                                int
		resume, follow, ordered, nulSep, quiet bool
		include, exclude                       []string
	)
	cmd := &cobra.Command{
		Use:   "scan PATH...",
		Short: "Check many files and directories at once, one line per file",
		Long: `scan checks every file under the given files and directories (recursively),
or the paths listed on standard input with -, on a pool of workers, and
writes one line per file: the check report as JSON (jsonl) or a csv row.
Images and videos are told apart by content. Files that cannot be checked
(unreadable, corrupt, empty, too large, timed out) get an error line and the
scan goes on. Identical files are fingerprinted once.

Symbolic links met inside directories are skipped unless --follow-symlinks;
a link back to a directory being scanned is never followed. Paths named on
the command line or standard input are followed.

--include and --exclude take globs: without a slash they match file names
anywhere ('*.mp4'); with one, the path below the scanned directory, with **
for any depth ('incoming/**/thumbs'). An excluded directory is not entered.

With --output, each line is written whole as soon as it is ready. After an
interruption (Ctrl-C, SIGTERM: files in progress get 10 s to finish, a
second signal abandons them), run the same command with --resume: files
already in the output are skipped and a partial last line is dropped.

A summary goes to standard error, and a progress line when it is a terminal.
Exit status: 0 done; 1 a file got the --fail-on verdict (now or in the
resumed part); 2 usage, configuration, registry or output error; 3 some
files could not be checked, or the scan was interrupted.`,
		Example: `  provcheck scan uploads/ --output results.jsonl
  provcheck scan uploads/ --output results.jsonl --resume
  find /srv/incoming -newer stamp -type f -print0 | provcheck scan -0 - --format csv
  provcheck scan media/ --include '*.mp4' --include '*.jpg' --exclude 'thumbs' --fail-on match`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			f, err := report.ParseFormat(format, report.JSONL, report.CSV)
			if err != nil {
				return usageErr(err)
			}
			fail, err := parseFailOn(failOn)
			if err != nil {
				return err
			}
			if workers < 0 {
				return usageErr(fmt.Errorf("--workers %d: want a positive number (0: one per CPU)", workers))
			}
			if outFile == "-" {
				outFile = ""
			}
			ctx := cmd.Context()
			e, err := a.checkEngine(ctx)
			if err != nil {
				return err
			}
			defer e.Close()

			errf, isFile := a.stderr.(*os.File)
			showProgress := isFile && !quiet && report.IsTerminal(errf)

			// A first signal cancels ctx (main): no new files. A second one
			// abandons the files in progress.
			abandon := make(chan struct{})
			finished := make(chan struct{})
			defer close(finished)
			sigs := make(chan os.Signal, 2)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sigs)
			go func() {
				n := 0
				for {
					select {
					case <-sigs:
						if n++; n == 2 {
							close(abandon)
							return
						}
					case <-finished:
						return
					}
				}
			}()
			go func() {
				select {
				case <-ctx.Done():
					if !quiet {
						if showProgress {
							fmt.Fprintln(a.stderr)
						}
						fmt.Fprintf(a.stderr, "provcheck: stopping: no new files; files in progress get %s to finish (interrupt again to abandon them)\n", scanGrace)
					}
				case <-finished:
				}
			}()

			opt := batch.Options{
				Paths: paths, Stdin: a.stdin, NulSep: nulSep,
				Workers: workers, Ordered: ordered,
				Format: f, OutputFile: outFile, Out: cmd.OutOrStdout(), Resume: resume,
				Include: include, Exclude: exclude,
				MaxSize: a.cfg.Limits.MaxFileSize, Timeout: a.cfg.Limits.Timeout,
				FollowSymlinks: follow, FailOn: fail,
				Grace: scanGrace, Abandon: abandon,
				Log: a.log,
			}
			if showProgress {
				opt.Progress = errf
			}
			sum, err := batch.Run(ctx, e, opt)
			if err != nil {
				return usageErr(err)
			}
			if !quiet {
				sum.Write(a.stderr)
			}
			switch {
			case sum.Interrupted:
				return &exitError{exitInputFailed, errors.New("interrupted")}
			case sum.Failed():
				n := sum.Errors + sum.Previous.Errors
				return &exitError{exitInputFailed, fmt.Errorf("%d of %d file(s) could not be checked", n, sum.Files+sum.Previous.Files)}
			case sum.FailOnSeen:
				return &exitError{exitFailOn, nil}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVarP(&workers, "workers", "j", 0, "files checked at once (default: one per CPU)")
	fl.StringVarP(&format, "format", "f", "jsonl", "output format: jsonl or csv")
	fl.StringVarP(&outFile, "output", "o", "", "write the lines to this file (default: standard output)")
	fl.BoolVar(&resume, "resume", false, "continue an interrupted scan: skip the files already in --output")
	fl.StringArrayVar(&include, "include", nil, "scan only files matching this glob (repeatable)")
	fl.StringArrayVar(&exclude, "exclude", nil, "skip files and directories matching this glob (repeatable)")
	fl.String("max-size", "", "report larger files as too large instead of reading them, e.g. 500MiB (default 4GiB)")
	fl.BoolVar(&follow, "follow-symlinks", false, "follow symbolic links inside directories (loops are never followed)")
	fl.StringVar(&failOn, "fail-on", "", "exit 1 when a file gets this verdict or a stronger one: match or possible_match")
	fl.BoolVar(&ordered, "ordered", false, "write lines in the order files are found (default: as they finish)")
	fl.BoolVarP(&nulSep, "null", "0", false, "paths on standard input are separated by NUL (find -print0)")
	fl.BoolVarP(&quiet, "quiet", "q", false, "no progress line and no summary")
	fl.Float64("query-fps", 0, "video frames sampled per second (default 2)")
	bindKey(fl, "query-fps", "sampling.query_fps")
	bindKey(fl, "max-size", "limits.max_file_size")
	return cmd
}
