package main

import (
	"testing"

	"github.com/acctl/acctl/internal/testenv"
)

// TestMain keeps the tests away from the ACCTL_* variables, config file and
// home folder of whoever runs them.
func TestMain(m *testing.M) { testenv.Main(m) }
