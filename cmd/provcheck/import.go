package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/provcheck/provcheck/internal/claimreview"
	"github.com/provcheck/provcheck/internal/hashlist"
	mediakind "github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/vpdq"
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
	return readLimited(r, registry.MaxBundleBytes)
}

// readLimited reads r whole, refusing more than limit bytes with an error
// that says so (cut short, a larger file would only fail to parse).
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes, the most an import reads", limit)
	}
	return data, nil
}

func inputErr(name string, err error) error {
	return &exitError{exitInputFailed, fmt.Errorf("%s: nothing imported: %w", name, err)}
}

func (a *app) importFiles(cmd *cobra.Command, format string, files []string) error {
	switch format {
	case "auto", "bundle", "jsonld":
	default:
		return usageErr(fmt.Errorf("--format %q: want auto, bundle or jsonld", format))
	}
	// Bundles alone are streamed into the registry; JSON-LD is read whole
	// (its reviews are paired with the registry's cases and the bundles').
	streamed := format == "bundle"
	if format == "auto" {
		streamed = true
		for _, name := range files {
			if name == "-" {
				streamed = false // standard input cannot be read twice
				break
			}
			f, err := os.Open(name)
			if err != nil {
				return inputErr(name, err)
			}
			ok := registry.IsBundle(f)
			f.Close()
			if !ok {
				streamed = false
				break
			}
		}
	}
	if streamed {
		return a.importBundles(cmd, files)
	}
	return a.importWhole(cmd, format, files)
}

// importBundles imports bundles in one transaction, each case written as
// it is read: memory does not grow with the bundles, so their size is not
// limited (each value in them still is). A bad case anywhere leaves the
// registry unchanged.
func (a *app) importBundles(cmd *cobra.Command, files []string) error {
	ctx := cmd.Context()
	inputs := make([]io.Reader, len(files))
	for i, name := range files {
		if name == "-" {
			inputs[i] = a.stdin
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			return inputErr(name, err)
		}
		defer f.Close()
		inputs[i] = f
	}
	e, err := a.engine(ctx, true)
	if err != nil {
		return err
	}
	defer e.Close()
	cases, stops := 0, 0
	failed := files[0]
	err = e.Store().ImportStream(ctx, func(put func(registry.Case) error) ([]registry.StopFrame, error) {
		var all []registry.StopFrame
		for i, r := range inputs {
			b, err := registry.ReadBundleStream(r, 0, func(c registry.Case) error {
				cases++
				return put(c)
			})
			if err != nil {
				failed = files[i]
				return nil, err
			}
			all = append(all, b.StopFrames...)
		}
		stops = len(all)
		return all, nil
	})
	if err != nil {
		return inputErr(failed, err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "imported %d case(s) and %d stop frame(s)\n", cases, stops)
	return nil
}

// importWhole reads every file into memory (each at most
// registry.MaxBundleBytes), then imports them in one transaction.
func (a *app) importWhole(cmd *cobra.Command, format string, files []string) error {
	ctx := cmd.Context()
	var bundles []registry.Bundle
	var reviews []claimreview.Review
	for i, name := range files {
		data, err := a.readInput(name)
		if err != nil {
			return inputErr(name, err)
		}
		if format == "bundle" || format == "auto" && registry.IsBundle(bytes.NewReader(data)) {
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

// hashCase is the case imported hashes go to.
type hashCase struct{ id, title string }

// importHashes registers shared hashes (vPDQ files, signal lists) as media
// of one case, in one transaction.
func (a *app) importHashes(cmd *cobra.Command, format string, hc hashCase, files []string) error {
	ctx := cmd.Context()
	if hc.id == "" {
		return usageErr(fmt.Errorf("--format %s needs --id CASE (the case the hashes show)", format))
	}
	if !registry.ValidID(hc.id) {
		return usageErr(fmt.Errorf("--id %q: use lower-case letters, digits, '.', '_' and '-'", hc.id))
	}
	var media []registry.Media
	skipped := map[string]int{}
	for _, name := range files {
		data, err := a.readInput(name)
		if err != nil {
			return inputErr(name, err)
		}
		switch format {
		case "vpdq":
			fs, err := vpdq.Read(bytes.NewReader(data))
			if err != nil {
				return inputErr(name, err)
			}
			media = append(media, hashlist.VPDQMedia(fs, filepath.Base(name), "vPDQ hashes imported from "+filepath.Base(name)))
		case "te-csv", "hma-json":
			read := hashlist.ReadTECSV
			if format == "hma-json" {
				read = hashlist.ReadHMAJSON
			}
			l, err := read(bytes.NewReader(data), filepath.Base(name))
			if err != nil {
				return inputErr(name, err)
			}
			media = append(media, l.Media...)
			for t, n := range l.Skipped {
				skipped[t] += n
			}
		}
	}
	e, err := a.engine(ctx, true)
	if err != nil {
		return err
	}
	defer e.Close()
	st := e.Store()
	c := registry.Case{ID: hc.id, Title: hc.title, Media: media}
	if _, err := st.Get(ctx, hc.id); errors.Is(err, registry.ErrNotFound) && hc.title == "" {
		return usageErr(fmt.Errorf("case %q does not exist yet: give --title to create it", hc.id))
	}
	saved, err := st.Upsert(ctx, c)
	if err != nil {
		return inputErr(files[0], err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "imported %d hashed medium/media into %s (the case now has %d)\n", len(media), saved.ID, len(saved.Media))
	for _, t := range slices.Sorted(maps.Keys(skipped)) {
		fmt.Fprintf(a.stderr, "provcheck: skipped %d %s signal(s): provcheck matches pdq and vpdq\n", skipped[t], t)
	}
	return nil
}

// exportVPDQ writes one vPDQ file per registered video of the cases each
// passes to its function into dir, through temporary files renamed into
// place.
func exportVPDQ(dir string, each func(func(registry.Case) error) error) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	n := 0
	err := each(func(c registry.Case) error {
		for _, m := range c.Media {
			if m.Fingerprint.Kind != mediakind.KindVideo || len(m.Fingerprint.Frames) == 0 {
				continue
			}
			fs := vpdq.FromFingerprint(&m.Fingerprint)
			path := filepath.Join(dir, c.ID+"-"+m.SHA256[:12]+".txt")
			if err := writeFileAtomic(path, func(w io.Writer) error { return vpdq.Write(w, fs) }); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, nil
}
