package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/claimreview"
	"github.com/provcheck/provcheck/internal/hashlist"
	"github.com/provcheck/provcheck/internal/report"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
	"github.com/spf13/cobra"
)

func (a *app) registryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "Manage the registry of debunked cases, their media and fact-checks",
	}
	cmd.AddCommand(a.registryInitCmd(), a.registryAddCmd(), a.registryListCmd(), a.registryShowCmd(),
		a.registryRemoveCmd(), a.registryExportCmd(), a.registryImportCmd(), a.stopListCmd(),
		a.registryMigrateCmd())
	return cmd
}

func (a *app) registryInitCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "init [PATH]",
		Short: "Create an empty registry (at PATH, or where --registry says)",
		Long: `init creates a registry file. Every other command refuses a registry path
that does not exist (unless given --create), so that a mistyped path is an
error rather than an empty registry that matches nothing. The default
registry ($XDG_DATA_HOME/provcheck/registry.db) is created on first use,
with the bundled sample case.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				a.cfg.Registry = args[0]
			}
			path := a.cfg.Registry
			if path == "" {
				def, err := rules.DefaultRegistryPath()
				if err != nil {
					return usageErr(err)
				}
				path = def
			}
			var statErr error
			if !registry.IsPostgresURL(path) {
				_, statErr = os.Stat(path)
			}
			a.create = true
			return a.store(cmd, func(st registry.Store) error {
				if statErr == nil {
					list, err := st.List(cmd.Context())
					if err != nil {
						return usageErr(err)
					}
					fmt.Fprintf(cmd.OutOrStdout(), "registry %s already exists (%d case(s))\n", path, len(list))
					return nil
				}
				fmt.Fprintf(cmd.OutOrStdout(), "created registry %s\n", path)
				return nil
			})
		},
	}
}

func (a *app) registryAddCmd() *cobra.Command {
	var c registry.Case
	var category, note string
	var fc registry.FactCheck
	var noThumbs bool
	cmd := &cobra.Command{
		Use:   "add FILE...",
		Short: "Register media of a debunked case (creates the case, or appends to it)",
		Long: `add fingerprints each file and stores it under the case --id, with the case's
metadata and a fact-check. Adding to an existing id appends media and
fact-checks; fields given again replace the old values. If any file cannot
be fingerprinted, nothing is changed.`,
		Example: `  provcheck registry add clip.mp4 --id nypd-ice-sora --title "AI video of NYPD arresting ICE agents" \
    --claim "Video shows NYPD officers arresting ICE agents" --rating False --category TransformedContent \
    --fact-check https://example.org/fact-check --publisher "Lead Stories" --published 2025-12 --tag sora`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			cat, err := registry.ParseCategory(category)
			if err != nil {
				return usageErr(fmt.Errorf("--category: %w", err))
			}
			c.Category = cat
			if c.ID != "" && !registry.ValidID(c.ID) {
				return usageErr(fmt.Errorf("--id %q: use lower-case letters, digits, '.', '_' and '-'", c.ID))
			}
			if fc.URL != "" || fc.Publisher != "" || fc.Title != "" {
				if fc.Publisher == "" {
					return usageErr(errors.New("--fact-check needs --publisher"))
				}
				if fc.Rating == "" {
					fc.Rating = c.Rating
				}
				c.FactChecks = []registry.FactCheck{fc}
			}
			ctx := cmd.Context()
			e, err := a.engine(ctx, true)
			if err != nil {
				return err
			}
			defer e.Close()
			if c.ID == "" && c.Title == "" {
				return usageErr(errors.New("give --id of an existing case, or --title for a new one"))
			}
			if c.ID != "" && c.Title == "" {
				if _, err := e.Store().Get(ctx, c.ID); errors.Is(err, registry.ErrNotFound) {
					return usageErr(fmt.Errorf("case %q does not exist yet: give --title to create it", c.ID))
				}
			}
			saved, err := e.Register(ctx, engine.AddRequest{Case: c, Files: files, Note: note, NoThumbnails: noThumbs})
			if err != nil {
				var fe *engine.FileError
				if errors.As(err, &fe) {
					return &exitError{exitInputFailed, fmt.Errorf("nothing registered:\n%w", err)}
				}
				return usageErr(err)
			}
			frames := 0
			for _, m := range saved.Media {
				frames += len(m.Fingerprint.Frames)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "registered %d file(s) under %s: the case now has %d medium/media (%d frames) and %d fact-check(s)\n",
				len(files), saved.ID, len(saved.Media), frames, len(saved.FactChecks))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.ID, "id", "", "case id (a slug; made from the title when absent)")
	f.StringVar(&c.Title, "title", "", "case title")
	f.StringVar(&c.Claim, "claim", "", "the claim the media was used for")
	f.StringVar(&c.Rating, "rating", "", `rating, e.g. "False"`)
	f.StringVar(&category, "category", "", "MediaReview category: OriginalMediaContent, DecontextualizedContent, EditedOrCroppedContent, TransformedContent, StagedContent, SatireOrParodyContent")
	f.StringVar(&c.FirstSeen, "first-seen", "", "when the media was first seen (YYYY-MM-DD)")
	f.StringSliceVar(&c.Tags, "tag", nil, "tag (repeatable)")
	f.StringVar(&note, "note", "", "where the media came from")
	f.StringVar(&fc.URL, "fact-check", "", "URL of a fact-check")
	f.StringVar(&fc.Publisher, "publisher", "", "who published the fact-check")
	f.StringVar(&fc.Title, "fact-check-title", "", "title of the fact-check")
	f.StringVar(&fc.Date, "published", "", "when the fact-check was published (YYYY-MM-DD)")
	f.StringVar(&fc.Language, "language", "", "language of the fact-check (e.g. en)")
	f.BoolVar(&noThumbs, "no-thumbnails", false, "keep no thumbnails of the registered frames (the registry then holds no pixels of the media)")
	return cmd
}

func (a *app) registryListCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the registered cases",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := report.ParseFormat(format, report.Text, report.JSON)
			if err != nil {
				return usageErr(err)
			}
			return a.store(cmd, func(st registry.Store) error {
				list, err := st.List(cmd.Context())
				if err != nil {
					return usageErr(err)
				}
				w := cmd.OutOrStdout()
				type listed struct {
					registry.Summary
					Outdated []string `json:"outdated,omitempty"` // what is older than this provcheck's fingerprints
				}
				out := make([]listed, len(list))
				var stale, what []string
				for i, s := range list {
					out[i].Summary = s
					for _, v := range s.Versions {
						out[i].Outdated = append(out[i].Outdated, engine.Outdated(v)...)
					}
					slices.Sort(out[i].Outdated)
					out[i].Outdated = slices.Compact(out[i].Outdated)
					if len(out[i].Outdated) > 0 {
						stale = append(stale, s.ID)
						what = append(what, out[i].Outdated...)
					}
				}
				if f == report.JSON {
					return writeJSON(w, out)
				}
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tRATING\tMEDIA\tFRAMES\tFACT-CHECKS\tTITLE")
				for _, s := range list {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\n", report.Clean(s.ID), report.Clean(s.Rating), s.Media, s.Frames, s.FactChecks, report.Clean(s.Title))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				if len(stale) > 0 {
					_, err := fmt.Fprintf(w, "\nnote: %d case(s) have media fingerprinted by an older provcheck (%s): %s; register them again to match as well as new media\n",
						len(stale), strings.Join(slices.Compact(slices.Sorted(slices.Values(what))), ", "), strings.Join(stale, ", "))
					return err
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	return cmd
}

func (a *app) registryShowCmd() *cobra.Command {
	var format string
	var frames bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one case with its media and fact-checks",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := report.ParseFormat(format, report.Text, report.JSON, "jsonld")
			if err != nil {
				return usageErr(err)
			}
			return a.store(cmd, func(st registry.Store) error {
				c, err := st.Get(cmd.Context(), args[0])
				if err == nil && f == "jsonld" {
					return claimreview.WriteCase(cmd.OutOrStdout(), c)
				}
				if err != nil {
					return usageErr(err)
				}
				if !frames {
					for i := range c.Media {
						c.Media[i].Fingerprint.Frames = nil
					}
				}
				w := cmd.OutOrStdout()
				if f == report.JSON {
					return writeJSON(w, c)
				}
				return report.WriteCase(w, c)
			})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text, json, or jsonld (schema.org ClaimReview/MediaReview)")
	cmd.Flags().BoolVar(&frames, "frames", false, "include every frame fingerprint in JSON")
	return cmd
}

func (a *app) registryRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "remove ID",
		Short: "Remove a case with its media and fact-checks",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.store(cmd, func(st registry.Store) error {
				if err := st.Remove(cmd.Context(), args[0]); err != nil {
					return usageErr(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", report.Clean(args[0]))
				return nil
			})
		},
	}
}

func (a *app) registryExportCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "export [FILE]",
		Short: "Write the registry as a JSON bundle or as ClaimReview JSON-LD (to FILE, or stdout)",
		Long: `export writes every case with its fact-checks and media fingerprints as one
JSON bundle — no media files — that another registry can import.
--format claimreview writes schema.org JSON-LD instead: a ClaimReview per
fact-check and a MediaReview per MediaReview category, in one @graph (no
fingerprints); registry import reads it back into the same cases.
--format vpdq DIR writes one ThreatExchange vPDQ file per registered video
(DIR/CASE-SHA12.txt, Meta's layout); --format hma-json writes HMA bank
content, stills as pdq and videos as vpdq signals, with the case in
metadata.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "bundle", "claimreview", "hma-json":
			case "vpdq":
				if len(args) != 1 || args[0] == "-" {
					return usageErr(errors.New("--format vpdq writes one file per video: give the directory"))
				}
			default:
				return usageErr(fmt.Errorf("--format %q: want bundle, claimreview, vpdq or hma-json", format))
			}
			e, err := a.engine(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer e.Close()
			// Every format is streamed from the store a page of cases at
			// a time (Store.Each, in id order).
			each := func(fn func(registry.Case) error) error { return e.Store().Each(cmd.Context(), fn) }
			var write func(w io.Writer) error
			switch format {
			case "bundle":
				write = func(w io.Writer) error {
					return registry.WriteBundle(cmd.Context(), w, e.Store(), time.Now())
				}
			case "claimreview":
				write = func(w io.Writer) error { return claimreview.WriteEach(w, each) }
			case "hma-json":
				write = func(w io.Writer) error { return hashlist.WriteHMAJSONEach(w, each) }
			case "vpdq":
				n, err := exportVPDQ(args[0], each)
				if err != nil {
					return usageErr(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %d vPDQ file(s) to %s\n", n, args[0])
				return nil
			}
			if len(args) == 0 || args[0] == "-" {
				return write(cmd.OutOrStdout())
			}
			return writeFileAtomic(args[0], write)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "bundle", "output format: bundle, claimreview (schema.org JSON-LD), vpdq (a directory) or hma-json")
	return cmd
}

func (a *app) registryImportCmd() *cobra.Command {
	var format string
	var hc hashCase
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Merge bundles, ClaimReview/MediaReview JSON-LD or shared hashes into the registry (all or nothing)",
		Long: `import applies everything in one transaction, validated as it is read: bad
input changes nothing, and every problem is listed with where it is. Bundles
are written a case at a time as they are read, whatever their size.

--format (default auto: a provcheck bundle, or JSON-LD / an HTML page):
  bundle     a provcheck registry bundle; cases with a registered id are merged
  jsonld     schema.org ClaimReview and MediaReview: a JSON-LD object, array or
             @graph, or an HTML page saved from a fact-check site (its
             <script type="application/ld+json"> blocks). Cases are created, or
             merged by claim and fact-check URL; unknown properties are kept.
  vpdq       ThreatExchange vPDQ files (frame,quality,pdq_hex,timestamp; one video
             per file, as Meta's vpdq tools write them): each a video of --id
  te-csv     python-threatexchange signal CSV (signal_type,signal_str,collab,
             category,tags) or ThreatExchange PDQ text (pdq_hex,quality[,name]):
             pdq signals become stills, vpdq signals videos of --id
  hma-json   Hasher-Matcher-Actioner bank content ({"signals": {"pdq": …,
             "vpdq": …}}, one or a list), of --id
Hashes go to the case --id; a case that does not exist yet needs --title.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "vpdq", "te-csv", "hma-json":
				return a.importHashes(cmd, format, hc, args)
			}
			if hc.id != "" || hc.title != "" {
				return usageErr(errors.New("--id and --title go with --format vpdq, te-csv or hma-json"))
			}
			return a.importFiles(cmd, format, args)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "auto", "input format: auto, bundle, jsonld, vpdq, te-csv or hma-json")
	cmd.Flags().StringVar(&hc.id, "id", "", "case the imported hashes belong to (vpdq, te-csv, hma-json)")
	cmd.Flags().StringVar(&hc.title, "title", "", "title of the case --id when it does not exist yet")
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeFileAtomic writes through a temporary file renamed into place, so a
// failed export never leaves a truncated bundle.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
