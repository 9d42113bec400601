package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/buildinfo"
	"github.com/provcheck/provcheck/internal/report"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
	"github.com/provcheck/provcheck/samples"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// app is what every command shares: the streams and, once PersistentPreRunE
// has run, the validated configuration.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	configFile     string
	verbose        bool
	create         bool
	v              *viper.Viper
	cfg            rules.Config
	log            *slog.Logger
}

// configKey is the flag annotation naming the configuration key a flag
// overrides (see bindKey).
const configKey = "provcheck/config-key"

// bindKey marks flag name of fs as overriding configuration key: when the
// flag is set, it wins over the config file and the environment.
func bindKey(fs *pflag.FlagSet, name, key string) {
	if err := fs.SetAnnotation(name, configKey, []string{key}); err != nil {
		panic(err) // a programming error: the flag is not defined
	}
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "provcheck",
		Short: "Recognise known debunked viral images and videos",
		Long: `provcheck fingerprints images and video frames with perceptual hashes (PDQ)
and local features, matches them against a registry of known debunked media,
and reports the linked fact-checks: who debunked it, the rating, the link,
and which part of the clip matched.`,
		Version:           buildinfo.Get().String(),
		SilenceErrors:     true,
		SilenceUsage:      true,
		PersistentPreRunE: a.setup,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	pf := root.PersistentFlags()
	pf.StringVar(&a.configFile, "config", "", "config file (default: ./provcheck.yaml, then $XDG_CONFIG_HOME/provcheck/provcheck.yaml)")
	pf.String("registry", "", "registry file or postgres://user@host/db URL (env PROVCHECK_REGISTRY; default $XDG_DATA_HOME/provcheck/registry.db)")
	pf.String("index", "", `persisted index file of check and scan, or "off" (env PROVCHECK_INDEX_FILE; default beside a SQLite registry: REGISTRY.index)`)
	pf.String("ffmpeg", "ffmpeg", "ffmpeg program")
	pf.String("ffprobe", "ffprobe", "ffprobe program")
	pf.String("timeout", "", "per-file time limit, e.g. 90s (default 2m)")
	pf.BoolVarP(&a.verbose, "verbose", "v", false, "log what provcheck does on stderr")
	pf.BoolVar(&a.create, "create", false, "create the registry named by --registry (or PROVCHECK_REGISTRY, registry:) when it does not exist")
	for flag, key := range map[string]string{"registry": "registry", "index": "index_file", "ffmpeg": "ffmpeg", "ffprobe": "ffprobe", "timeout": "limits.timeout"} {
		bindKey(pf, flag, key)
	}
	root.AddCommand(a.hashCmd(), a.checkCmd(), a.scanCmd(), a.serveCmd(), a.registryCmd(), a.configCmd())
	return root
}

// setup reads the configuration: defaults, config file, PROVCHECK_*
// environment, then the flags that were set.
func (a *app) setup(cmd *cobra.Command, _ []string) error {
	level := slog.LevelWarn
	if a.verbose {
		level = slog.LevelDebug
	}
	a.log = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
	v, err := rules.NewViper(a.configFile)
	if err != nil {
		return usageErr(err)
	}
	var bindErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if keys := f.Annotations[configKey]; len(keys) == 1 && f.Changed && bindErr == nil {
			bindErr = v.BindPFlag(keys[0], f)
		}
	})
	if bindErr != nil {
		return usageErr(bindErr)
	}
	cfg, err := rules.Load(v)
	if err != nil {
		return usageErr(err)
	}
	for _, w := range rules.UnknownEnv(os.Environ()) {
		fmt.Fprintln(a.stderr, "provcheck: warning:", w)
	}
	a.v, a.cfg = v, cfg
	return nil
}

// engine opens the engine; withRegistry opens (or creates) the registry.
func (a *app) engine(ctx context.Context, withRegistry bool) (*engine.Engine, error) {
	return a.openEngine(ctx, engine.Options{NoRegistry: !withRegistry})
}

// checkEngine opens the engine of a command that checks files and exits:
// it maps the persisted index (index_file) rather than indexing the
// registry whole.
func (a *app) checkEngine(ctx context.Context) (*engine.Engine, error) {
	return a.openEngine(ctx, engine.Options{PersistIndex: true})
}

func (a *app) openEngine(ctx context.Context, o engine.Options) (*engine.Engine, error) {
	o.MustExist, o.Seed, o.Logger = !a.create, samples.Cases, a.log
	e, err := engine.New(ctx, a.cfg, o)
	if err != nil {
		return nil, usageErr(err)
	}
	return e, nil
}

// parseFailOn reads --fail-on: "" (never), match or possible_match.
func parseFailOn(s string) (rules.Verdict, error) {
	if s == "" {
		return "", nil
	}
	v, ok := rules.ParseVerdict(s)
	if !ok || v == rules.NoMatch {
		return "", usageErr(fmt.Errorf("--fail-on %q: want match or possible_match", s))
	}
	return v, nil
}

// store opens the engine with its registry for a command that only reads
// or edits the registry, and closes it when fn returns.
func (a *app) store(cmd *cobra.Command, fn func(registry.Store) error) error {
	e, err := a.engine(cmd.Context(), true)
	if err != nil {
		return err
	}
	defer e.Close()
	return fn(e.Store())
}

func (a *app) style() report.Style {
	if f, ok := a.stdout.(*os.File); ok {
		return report.StyleFor(f)
	}
	return report.Style{}
}

func (a *app) configCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Show the configuration in force and where it came from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			if f := a.v.ConfigFileUsed(); f != "" {
				fmt.Fprintf(w, "# config file: %s\n", f)
			} else {
				fmt.Fprintln(w, "# no config file found; defaults, PROVCHECK_* environment and flags apply")
			}
			for _, k := range rules.Keys() {
				v := a.v.Get(k)
				if k == "server.api_keys" {
					v = fmt.Sprintf("[%d key(s), not shown]", len(a.cfg.Server.APIKeys))
				}
				if k == "registry" && a.cfg.Registry == "" {
					if def, err := rules.DefaultRegistryPath(); err == nil {
						v = def + " (default)"
					}
				}
				fmt.Fprintf(w, "%s: %v\n", k, v)
			}
			return nil
		},
	}
}
