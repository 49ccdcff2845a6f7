package cmdutil

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// exampleSwitchedOff is a setting left at its default in
// docs/config.example.yaml: "#key: value", no space after the "#".
var exampleSwitchedOff = regexp.MustCompile(`(?m)^(\s*)#([a-z_]+:.*)$`)

// TestConfigExample loads docs/config.example.yaml as it is and with every
// "#key: value" line switched on: both must give a valid configuration
// without unknown keys, and the second must set every key acctl knows.
func TestConfigExample(t *testing.T) {
	clearEnv(t)
	t.Setenv("XDG_DATA_HOME", "/data")
	t.Setenv("XDG_CONFIG_HOME", "/conf")
	example, err := os.ReadFile(filepath.Join("..", "..", "docs", "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	on := exampleSwitchedOff.ReplaceAll(example, []byte("$1$2"))
	for _, tc := range []struct {
		name string
		text []byte
	}{{"as it is", example}, {"every setting on", on}} {
		file := writeFile(t, "config.yaml", string(tc.text))
		f := testFactory(t, file)
		if _, err := f.Config(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if unknown := UnknownConfigKeys(f.v); len(unknown) > 0 {
			t.Errorf("%s: unknown keys %v", tc.name, unknown)
		}
		if tc.name != "every setting on" {
			continue
		}
		for _, k := range ConfigKeys {
			if !f.v.InConfig(k) {
				t.Errorf("docs/config.example.yaml lacks %s", k)
			}
		}
	}
}
