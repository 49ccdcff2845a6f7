package main

import (
	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmd/root"
)

// newRootCmd builds acctl's command tree, as the acctl binary does, with a
// Factory that opens no store: documentation needs the commands and their
// flags only.
func newRootCmd() (*cobra.Command, error) {
	return root.NewRootCmd(root.NewDefaultFactory()), nil
}
