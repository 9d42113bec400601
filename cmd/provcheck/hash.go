package main

import (
	"fmt"

	"github.com/provcheck/provcheck/hashing"
	"github.com/provcheck/provcheck/output"
	"github.com/spf13/cobra"
)

func (a *app) hashCmd() *cobra.Command {
	var format string
	var dense, views bool
	cmd := &cobra.Command{
		Use:   "hash FILE...",
		Short: "Print the fingerprints of images and videos",
		Long: `hash prints each file's fingerprints: PDQ (256-bit, with its quality), pHash
and dHash (64-bit) for an image, and for each sampled frame of a video with
its timestamp. --format vpdq prints ThreatExchange vPDQ lines
(frame_number,quality,pdq_hex,timestamp_seconds).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			f, err := output.ParseFormat(format, output.Text, output.JSON, output.JSONL, output.VPDQ)
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
			if !views {
				sampling.Views = hashing.NoViews
			}
			failed := 0
			for _, file := range files {
				fp, err := e.Fingerprint(ctx, file, sampling)
				if err != nil {
					failed++
					fmt.Fprintf(a.stderr, "provcheck: %s: %v\n", file, err)
				}
				if err := output.WriteHash(cmd.OutOrStdout(), f, output.HashResult{File: file, FP: fp, Err: err}); err != nil {
					return err
				}
			}
			if failed > 0 {
				return &exitError{exitInputFailed, fmt.Errorf("%d of %d file(s) could not be hashed", failed, len(files))}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text, json, jsonl or vpdq")
	cmd.Flags().BoolVar(&dense, "dense", false, "sample videos at the registration rate (sampling.register_fps) instead of the query rate")
	cmd.Flags().BoolVar(&views, "views", false, "also hash each frame's views (mirror and detected content for queries; crops and zooms with --dense) in JSON")
	cmd.Flags().Float64("query-fps", 0, "video frames sampled per second (default 2)")
	bindKey(cmd.Flags(), "query-fps", "sampling.query_fps")
	return cmd
}
