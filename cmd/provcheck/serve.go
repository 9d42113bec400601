package main

import (
	"fmt"
	"log/slog"

	"github.com/provcheck/provcheck/internal/buildinfo"
	"github.com/provcheck/provcheck/server"
	"github.com/spf13/cobra"
)

func (a *app) serveCmd() *cobra.Command {
	var logFormat string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "HTTP service for newsroom and tipline bots",
		Long: `serve answers HTTP requests: POST /v1/check with an image or video gets the
verdict, the matching case and its fact-checks, and a reply ready to send;
/v1/entries manages the registry (writes need an API key from
server.api_keys or PROVCHECK_API_KEYS, comma-separated). Changes to the
registry, also by other processes, are seen by the next check. /healthz,
/readyz, /metrics (Prometheus) and /openapi.json describe the service.

It listens on 127.0.0.1:8080 unless told otherwise, logs each request on
stderr, and on SIGTERM or Ctrl-C stops taking connections, finishes the
requests in flight and exits.`,
		Example: `  PROVCHECK_API_KEYS=$(openssl rand -hex 24) provcheck serve --addr 127.0.0.1:8080
  curl -F file=@clip.mp4 'http://127.0.0.1:8080/v1/check?reply_format=markdown'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var h slog.Handler
			opts := &slog.HandlerOptions{Level: slog.LevelInfo}
			if a.verbose {
				opts.Level = slog.LevelDebug
			}
			switch logFormat {
			case "text":
				h = slog.NewTextHandler(a.stderr, opts)
			case "json":
				h = slog.NewJSONHandler(a.stderr, opts)
			default:
				return usageErr(fmt.Errorf("--log-format %q: want text or json", logFormat))
			}
			ctx := cmd.Context()
			e, err := a.engine(ctx, true)
			if err != nil {
				return err
			}
			defer e.Close()
			srv, err := server.New(e, server.Options{Logger: slog.New(h), Build: buildinfo.Get()})
			if err != nil {
				return usageErr(err)
			}
			if err := srv.ListenAndServe(ctx); err != nil {
				return usageErr(err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.String("addr", "127.0.0.1:8080", "listen address, host:port (port 0: any free port; the address is logged)")
	f.Int("workers", 0, "files fingerprinted at once (default: one per CPU)")
	f.Int("queue-size", 32, "requests that may wait for a worker before the service answers 503")
	f.String("max-upload", "100MiB", "largest upload accepted (413 beyond)")
	f.String("request-timeout", "60s", "time limit of one request, upload included")
	for flag, key := range map[string]string{
		"addr": "server.addr", "workers": "server.workers", "queue-size": "server.queue_size",
		"max-upload": "server.max_upload", "request-timeout": "server.request_timeout",
	} {
		bindKey(f, flag, key)
	}
	f.StringVar(&logFormat, "log-format", "text", "log format on stderr: text or json")
	return cmd
}
