// Command acctl administers the accounts of a user base. See
// internal/cmd/root for the command tree.
package main

import (
	"os"

	"github.com/acctl/acctl/internal/cmd/root"
)

func main() { os.Exit(root.Main()) }
