package phonenumbers

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// acctlFiles are this folder's own files, not part of the upstream copy.
var acctlFiles = map[string]bool{
	"update.sh":        true,
	"acctl.patch":      true,
	"README.acctl.md":  true,
	"upstream_test.go": true,
	"testmain_test.go": true,
	"acctl_test.go":    true,
}

// TestCopyIsUpstreamPlusPatch checks that this folder is exactly
// github.com/nyaruka/phonenumbers at Upstream with acctl.patch applied, by
// running update.sh into a temporary folder and comparing the trees. It
// downloads the module through the Go module proxy (or finds it in the module
// cache), so it is skipped with -short and where bash or patch is missing.
func TestCopyIsUpstreamPlusPatch(t *testing.T) {
	if testing.Short() {
		t.Skip("downloads upstream through the module proxy")
	}
	for _, tool := range []string{"bash", "patch", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: %v", tool, err)
		}
	}
	dir := t.TempDir()
	cmd := exec.Command("bash", "update.sh", Upstream, dir)
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("update.sh %s %s: %v\n%s", Upstream, dir, err, out)
	}
	want := tree(t, dir)
	got := tree(t, ".")
	for name, data := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s: in upstream %s + acctl.patch, missing here", name, Upstream)
		case !bytes.Equal(g, data):
			t.Errorf("%s: differs from upstream %s + acctl.patch (edit acctl.patch, not the copy)", name, Upstream)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: here, but not in upstream %s + acctl.patch", name, Upstream)
		}
	}
}

// tree reads every regular file under root but acctl's own, by slash path.
func tree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if acctlFiles[rel] {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[rel] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
