package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func (a *app) serveCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "serve",
		Short:  "HTTP service for newsroom and tipline bots (under construction)",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return usageErr(errors.New("serve is not built yet")) },
	}
}
