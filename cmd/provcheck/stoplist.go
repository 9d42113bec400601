package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/report"
	"github.com/provcheck/provcheck/registry"
	"github.com/spf13/cobra"
)

func (a *app) stopListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stoplist",
		Short: "Material known to be unrelated (title cards, logos, studio backgrounds)",
		Long: `Registered frames that look like material unrelated to any case — a channel's
title card, a logo bumper, a studio background, a meme template — would match
unrelated uploads. Add such material to the stop-list: registered frames
within thresholds.match_distance of it are not used as evidence.`,
	}
	var source string
	add := &cobra.Command{
		Use:   "add FILE...",
		Short: "Fingerprint files of unrelated material and add their frames to the stop-list",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			ctx := cmd.Context()
			e, err := a.engine(ctx, true)
			if err != nil {
				return err
			}
			defer e.Close()
			var errs []error
			total := 0
			for _, f := range files {
				src := source
				if src == "" {
					src = filepath.Base(f)
				}
				frames, err := e.StopFramesFromFile(ctx, f, src)
				if err != nil {
					errs = append(errs, &engine.FileError{File: f, Err: err})
					continue
				}
				n, err := e.Store().AddStopFrames(ctx, frames)
				if err != nil {
					return usageErr(err)
				}
				total += n
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added %d stop frame(s)\n", total)
			if len(errs) > 0 {
				return &exitError{exitInputFailed, errors.Join(errs...)}
			}
			return nil
		},
	}
	add.Flags().StringVar(&source, "source", "", "where the material comes from (default: the file name)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the stop frames",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.store(cmd, func(st registry.Store) error {
				frames, err := st.StopFrames(cmd.Context())
				if err != nil {
					return usageErr(err)
				}
				for _, f := range frames {
					fmt.Fprintf(cmd.OutOrStdout(), "%s  %s\n", f.PDQ, report.Clean(f.Source))
				}
				return nil
			})
		},
	}
	clear := &cobra.Command{
		Use:   "clear",
		Short: "Remove every stop frame",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.store(cmd, func(st registry.Store) error {
				n, err := st.ClearStopFrames(cmd.Context())
				if err != nil {
					return usageErr(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "removed %d stop frame(s)\n", n)
				return nil
			})
		},
	}
	cmd.AddCommand(add, list, clear)
	return cmd
}
