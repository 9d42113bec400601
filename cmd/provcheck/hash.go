package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/provcheck/provcheck/batch"
	"github.com/provcheck/provcheck/internal/report"
	"github.com/provcheck/provcheck/internal/views"
	"github.com/spf13/cobra"
)

func (a *app) hashCmd() *cobra.Command {
	var format, outDir string
	var dense, withViews bool
	cmd := &cobra.Command{
		Use:   "hash FILE...",
		Short: "Print the fingerprints of images and videos",
		Long: `hash prints each file's fingerprints: PDQ (256-bit, with its quality), pHash
and dHash (64-bit) for an image, and for each sampled frame of a video with
its timestamp. --format vpdq writes ThreatExchange vPDQ lines
(frame_number,quality,pdq_hex,timestamp_seconds) in the layout of Meta's
vpdq tools, one video per file: to stdout for one input, or with -o DIR
one file per input (DIR/NAME.txt, NAME without its extension). Errors go
to stderr only, never into the hash output.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			f, err := report.ParseFormat(format, report.Text, report.JSON, report.JSONL, report.VPDQ)
			if err != nil {
				return usageErr(err)
			}
			if outDir != "" && f != report.VPDQ {
				return usageErr(errors.New("-o goes with --format vpdq (one file per input)"))
			}
			if f == report.VPDQ && outDir == "" && len(files) > 1 {
				return usageErr(errors.New("vPDQ holds one video per file: give -o DIR for several inputs"))
			}
			if outDir != "" {
				if err := os.MkdirAll(outDir, 0o755); err != nil {
					return usageErr(err)
				}
			}
			ctx := cmd.Context()
			e, err := a.engine(ctx, false)
			if err != nil {
				return err
			}
			sampling := e.QuerySampling()
			if dense {
				sampling = e.RegisterSampling()
			}
			if !withViews {
				sampling.Views = views.NoViews
			}
			// hash prints no local features: computing them would only
			// cost time.
			sampling.LocalFPS = 0
			// hash samples at the rate it says, a short clip too.
			sampling.ShortFPS = 0
			failed := 0
			// Files are fingerprinted in parallel, one per CPU, and
			// printed (or written to -o DIR) in the order given.
			used := map[string]bool{}
			p := batch.Pipeline[string, report.HashResult]{
				Workers: runtime.NumCPU(), Ordered: true,
				Work: func(ctx context.Context, file string) (report.HashResult, error) {
					fp, small, err := e.Hash(ctx, file, sampling)
					return report.HashResult{File: file, FP: fp, Small: small, Err: err}, nil
				},
				Emit: func(_ string, r report.HashResult) error {
					if r.Err != nil {
						failed++
						fmt.Fprintf(a.stderr, "provcheck: %s: %s\n", report.Clean(r.File), report.CleanLines(r.Err.Error()))
					}
					if outDir == "" {
						return report.WriteHash(cmd.OutOrStdout(), f, r)
					}
					if r.Err != nil {
						return nil
					}
					path := vpdqPath(outDir, r.File, used)
					return writeFileAtomic(path, func(w io.Writer) error { return report.WriteHash(w, f, r) })
				},
			}
			if _, err := p.Run(ctx, slices.Values(files)); err != nil {
				return err
			}
			if failed > 0 {
				return &exitError{exitInputFailed, fmt.Errorf("%d of %d file(s) could not be hashed", failed, len(files))}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text, json, jsonl or vpdq")
	cmd.Flags().StringVarP(&outDir, "output", "o", "", "with --format vpdq: write one file per input into this directory")
	cmd.Flags().BoolVar(&dense, "dense", false, "sample videos at the registration rate (sampling.register_fps) instead of the query rate")
	cmd.Flags().BoolVar(&withViews, "views", false, "also hash each frame's views (mirror and detected content for queries; crops and zooms with --dense) in JSON")
	cmd.Flags().Float64("query-fps", 0, "video frames sampled per second (default 2)")
	bindKey(cmd.Flags(), "query-fps", "sampling.query_fps")
	return cmd
}

// vpdqPath names the vPDQ file of an input: its base name without the
// extension, .txt (as Meta's sample hashes are named), made unique.
func vpdqPath(dir, file string, used map[string]bool) string {
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	if base == "" || base == "." || base == string(filepath.Separator) {
		base = "input"
	}
	name := base + ".txt"
	for n := 2; used[name]; n++ {
		name = fmt.Sprintf("%s-%d.txt", base, n)
	}
	used[name] = true
	return filepath.Join(dir, name)
}
