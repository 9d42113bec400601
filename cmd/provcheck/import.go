package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/provcheck/provcheck/internal/claimreview"
	"github.com/provcheck/provcheck/registry"
	"github.com/spf13/cobra"
)

// readInput reads FILE, or standard input for "-".
func (a *app) readInput(name string) ([]byte, error) {
	var r io.Reader = a.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	return io.ReadAll(io.LimitReader(r, registry.MaxBundleBytes+1))
}

// isBundle tells a provcheck bundle from JSON-LD by its "format" key.
func isBundle(data []byte) bool {
	var head struct {
		Format string `json:"format"`
	}
	return json.Unmarshal(data, &head) == nil && head.Format == registry.BundleFormat
}

func inputErr(name string, err error) error {
	return &exitError{exitInputFailed, fmt.Errorf("%s: nothing imported: %w", name, err)}
}

func (a *app) importFiles(cmd *cobra.Command, format string, files []string) error {
	ctx := cmd.Context()
	switch format {
	case "auto", "bundle", "jsonld":
	default:
		return usageErr(fmt.Errorf("--format %q: want auto, bundle or jsonld", format))
	}
	var bundles []registry.Bundle
	var reviews []claimreview.Review
	for i, name := range files {
		data, err := a.readInput(name)
		if err != nil {
			return inputErr(name, err)
		}
		if format == "bundle" || format == "auto" && isBundle(data) {
			b, err := registry.ReadBundle(bytes.NewReader(data))
			if err != nil {
				return inputErr(name, err)
			}
			bundles = append(bundles, b)
			continue
		}
		rs, err := claimreview.Read(bytes.NewReader(data))
		if err != nil {
			return inputErr(name, err)
		}
		for j := range rs {
			rs[j].Document += i * 1_000_000 // documents of different files never pair
			rs[j].Where = name + ": " + rs[j].Where
		}
		reviews = append(reviews, rs...)
	}
	e, err := a.engine(ctx, true)
	if err != nil {
		return err
	}
	defer e.Close()
	st := e.Store()
	var all registry.Bundle
	for _, b := range bundles {
		all.Cases = append(all.Cases, b.Cases...)
		all.StopFrames = append(all.StopFrames, b.StopFrames...)
	}
	if len(reviews) > 0 {
		existing, err := st.All(ctx)
		if err != nil {
			return usageErr(err)
		}
		cases, err := claimreview.ToCases(reviews, append(existing, all.Cases...))
		if err != nil {
			return inputErr(files[0], err)
		}
		all.Cases = append(all.Cases, cases...)
	}
	if err := st.ImportBundle(ctx, all); err != nil {
		return inputErr(files[0], err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "imported %d case(s)", len(all.Cases))
	if len(reviews) > 0 {
		fmt.Fprintf(cmd.OutOrStdout(), " from %d ClaimReview/MediaReview node(s)", len(reviews))
	}
	fmt.Fprintf(cmd.OutOrStdout(), " and %d stop frame(s)\n", len(all.StopFrames))
	return nil
}
