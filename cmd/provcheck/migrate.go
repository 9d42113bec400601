package main

import (
	"context"
	"fmt"

	"github.com/provcheck/provcheck/registry"
	"github.com/spf13/cobra"
)

func (a *app) registryMigrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create the registry, or bring its schema up to date",
		Long: `migrate applies the schema migrations the registry lacks, each in one
transaction (every command does this on first use; migrate does only
that, for deployments that migrate before starting services). The registry
is --registry: a SQLite file, or a postgres://user@host/db URL.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.create = true // migrate creates a registry that does not exist
			return a.store(cmd, func(st registry.Store) error {
				v, ok := st.(interface {
					SchemaVersion(context.Context) (int, error)
				})
				if !ok {
					return nil
				}
				n, err := v.SchemaVersion(cmd.Context())
				if err != nil {
					return usageErr(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "registry schema version %d\n", n)
				return nil
			})
		},
	}
}
