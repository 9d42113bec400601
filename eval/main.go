// Command eval measures how well provcheck recognises reposts of registered
// media and how often it raises false alarms.
//
// It builds a corpus of real photos and videos from Debian packages plus
// generated media, makes repost variants with ffmpeg (crops, borders,
// blurred backgrounds, captions, mirroring, speed changes, app chrome, GIF,
// and combinations), registers the originals in a fresh registry, checks
// every variant and every negative, and prints recall per transformation,
// false alarms and throughput as Markdown. See eval/README.md.
//
//	go run ./eval [-quick] [-work DIR] [-workers N] [-config FILE] [-only T1,T2] [-json FILE]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/provcheck/provcheck/internal/media"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// DefaultWork is the default cache and run directory:
// $XDG_CACHE_HOME/provcheck-eval or ~/.cache/provcheck-eval.
func DefaultWork() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "provcheck-eval")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".cache", "provcheck-eval")
	}
	return filepath.Join(os.TempDir(), "provcheck-eval")
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	opt := Options{}
	fs.StringVar(&opt.Work, "work", DefaultWork(), "cache and run directory")
	fs.BoolVar(&opt.Quick, "quick", false, "small subset for a smoke run (3 videos, 6 images, 30 negatives, a few transformations)")
	fs.BoolVar(&opt.Generated, "generated", false, "generated media only: no Debian downloads")
	fs.IntVar(&opt.Workers, "workers", runtime.NumCPU(), "files processed at once")
	fs.StringVar(&opt.Config, "config", "", "provcheck configuration file (default: built-in defaults)")
	fs.StringVar(&opt.Only, "only", "", "comma-separated transformations to run (see -list)")
	fs.BoolVar(&opt.Negatives, "negatives", true, "check the negatives")
	fs.StringVar(&opt.Kind, "kind", "", `only "video" or only "image": registered media and negatives of that kind (default both)`)
	fs.BoolVar(&opt.Scale, "scale", false, fmt.Sprintf("preload the registry with distractors (%d photos and %d clips of real content, built once and cached)", ScalePhotos, ScaleClips))
	fs.IntVar(&opt.ScaleSizes.Photos, "scale-photos", ScalePhotos, "with -scale: distractor photos")
	fs.IntVar(&opt.ScaleSizes.Clips, "scale-clips", ScaleClips, "with -scale: distractor clips")
	compare := fs.String("compare", "", "print two or more runs' JSON reports side by side (A.json,B.json) and exit")
	jsonFile := fs.String("json", "", "also write the summary and every result as JSON to this file")
	mdFile := fs.String("md", "", "also write the Markdown report to this file")
	fs.BoolVar(&opt.NoExplain, "no-misses", false, "do not compute or print the evidence for each miss")
	list := fs.Bool("list", false, "list the transformations and exit")
	verbose := fs.Bool("v", false, "log more")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: go run ./eval [flags]\n\nEvaluates provcheck's recall on repost variants and its false alarms on negatives.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "eval: unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return 2
	}
	if *list {
		for _, r := range Recipes {
			kinds := []string{}
			if r.Video {
				kinds = append(kinds, "video")
			}
			if r.Image {
				kinds = append(kinds, "image")
			}
			fmt.Fprintf(stdout, "%-28s %-12s %s\n", r.Name, strings.Join(kinds, ","), r.Desc)
		}
		return 0
	}
	if *compare != "" {
		var names []string
		var sums []*Summary
		for _, f := range strings.Split(*compare, ",") {
			s, err := ReadSummary(f)
			if err != nil {
				fmt.Fprintln(stderr, "eval:", err)
				return 1
			}
			names, sums = append(names, f), append(sums, s)
		}
		WriteComparison(stdout, names, sums)
		return 0
	}
	if opt.ScaleSizes.Photos < 0 || opt.ScaleSizes.Clips < 0 || opt.Scale && opt.ScaleSizes.Photos+opt.ScaleSizes.Clips == 0 {
		fmt.Fprintln(stderr, "eval: -scale-photos and -scale-clips must not be negative, nor both 0")
		return 2
	}
	if opt.Kind != "" && opt.Kind != string(media.KindVideo) && opt.Kind != string(media.KindImage) {
		fmt.Fprintf(stderr, "eval: -kind must be %q or %q\n", media.KindVideo, media.KindImage)
		return 2
	}
	if opt.Workers < 1 {
		fmt.Fprintln(stderr, "eval: -workers must be at least 1")
		return 2
	}
	if _, err := SelectRecipes(opt.Quick, opt.Only); err != nil {
		fmt.Fprintln(stderr, "eval:", err)
		return 2
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	r, err := Evaluate(ctx, opt, log)
	if err != nil {
		fmt.Fprintln(stderr, "eval:", err)
		return 1
	}
	s := Summarise(r, "go run ./eval "+strings.Join(args, " "))
	WriteMarkdown(stdout, s, !opt.NoExplain)
	if *mdFile != "" {
		if err := writeFile(*mdFile, func(w io.Writer) error { WriteMarkdown(w, s, !opt.NoExplain); return nil }); err != nil {
			fmt.Fprintln(stderr, "eval:", err)
			return 1
		}
	}
	if *jsonFile != "" {
		if err := writeFile(*jsonFile, func(w io.Writer) error { return WriteJSON(w, s, r.Results) }); err != nil {
			fmt.Fprintln(stderr, "eval:", err)
			return 1
		}
	}
	return 0
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
