package main

import (
	"context"
	"fmt"
	"runtime"
	"slices"

	"github.com/provcheck/provcheck/internal/report"
	"github.com/provcheck/provcheck/internal/views"
	"github.com/provcheck/provcheck/scan"
	"github.com/spf13/cobra"
)

func (a *app) hashCmd() *cobra.Command {
	var format string
	var dense, withViews bool
	cmd := &cobra.Command{
		Use:   "hash FILE...",
		Short: "Print the fingerprints of images and videos",
		Long: `hash prints each file's fingerprints: PDQ (256-bit, with its quality), pHash
and dHash (64-bit) for an image, and for each sampled frame of a video with
its timestamp. --format vpdq prints ThreatExchange vPDQ lines
(frame_number,quality,pdq_hex,timestamp_seconds).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			f, err := report.ParseFormat(format, report.Text, report.JSON, report.JSONL, report.VPDQ)
			if err != nil {
				return usageErr(err)
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
			failed := 0
			// Files are fingerprinted in parallel, one per CPU, and
			// printed in the order given.
			p := scan.Pipeline[string, report.HashResult]{
				Workers: runtime.NumCPU(), Ordered: true,
				Work: func(ctx context.Context, file string) (report.HashResult, error) {
					fp, err := e.Fingerprint(ctx, file, sampling)
					return report.HashResult{File: file, FP: fp, Err: err}, nil
				},
				Emit: func(_ string, r report.HashResult) error {
					if r.Err != nil {
						failed++
						fmt.Fprintf(a.stderr, "provcheck: %s: %v\n", r.File, r.Err)
					}
					return report.WriteHash(cmd.OutOrStdout(), f, r)
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
	cmd.Flags().BoolVar(&dense, "dense", false, "sample videos at the registration rate (sampling.register_fps) instead of the query rate")
	cmd.Flags().BoolVar(&withViews, "views", false, "also hash each frame's views (mirror and detected content for queries; crops and zooms with --dense) in JSON")
	cmd.Flags().Float64("query-fps", 0, "video frames sampled per second (default 2)")
	bindKey(cmd.Flags(), "query-fps", "sampling.query_fps")
	return cmd
}
