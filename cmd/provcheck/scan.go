package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func (a *app) scanCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "scan PATH...",
		Short:  "Batch-scan files and directories (under construction)",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return usageErr(errors.New("scan is not built yet")) },
	}
}
