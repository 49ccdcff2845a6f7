package openapi

import (
	"testing"

	"github.com/acctl/acctl/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
