package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// installTestVersion is the version under which TestGoInstallFromModuleZip
// publishes the working tree. It lives only in the test's own proxy and
// module cache.
const installTestVersion = "v0.0.0-20000101000000-000000000000"

// TestGoInstallFromModuleZip proves that
//
//	go install github.com/acctl/acctl/cmd/acctl@VERSION
//
// works for users: it packs the working tree (the files git tracks or would
// track) into a module zip as a module proxy would serve it, lays it out in
// a file:// proxy, and installs acctl from there with `go install`, as a user
// does, into a temporary GOBIN, then runs `acctl version`. Two things broke
// this before: a `replace` in go.mod (`go install pkg@version` refuses it) and
// a nested module (a module zip leaves it out).
//
// Dependencies come from the machine's module cache (as a file:// proxy, so
// the test's own module cache is a temporary one) and else from the proxies
// of `go env GOPROXY`. It is skipped with -short and without git.
func TestGoInstallFromModuleZip(t *testing.T) {
	if testing.Short() {
		t.Skip("builds acctl from a module zip with go install")
	}
	for _, tool := range []string{"go", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: %v", tool, err)
		}
	}
	root := moduleRoot(t)
	files := gitFiles(t, root)

	proxy := t.TempDir()
	vdir := filepath.Join(proxy, "github.com", "acctl", "acctl", "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		t.Fatal(err)
	}
	mv := module.Version{Path: "github.com/acctl/acctl", Version: installTestVersion}
	zf, err := os.Create(filepath.Join(vdir, installTestVersion+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := modzip.Create(zf, mv, files); err != nil {
		t.Fatalf("module zip: %v", err)
	}
	if err := zf.Close(); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	info, _ := json.Marshal(map[string]any{"Version": installTestVersion, "Time": time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)})
	for name, data := range map[string][]byte{
		installTestVersion + ".mod":  gomod,
		installTestVersion + ".info": info,
		"list":                       []byte(installTestVersion + "\n"),
	} {
		if err := os.WriteFile(filepath.Join(vdir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	goEnv := func(key string) string {
		out, err := exec.Command("go", "env", key).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", key, err)
		}
		return strings.TrimSpace(string(out))
	}
	proxies := []string{"file://" + filepath.ToSlash(proxy)}
	if cache := goEnv("GOMODCACHE"); cache != "" {
		proxies = append(proxies, "file://"+filepath.ToSlash(filepath.Join(cache, "cache", "download")))
	}
	if def := goEnv("GOPROXY"); def != "" {
		proxies = append(proxies, def)
	}
	gobin := t.TempDir()
	cmd := exec.Command("go", "install", "github.com/acctl/acctl/cmd/acctl@"+installTestVersion)
	cmd.Dir = t.TempDir() // outside any module
	cmd.Env = append(os.Environ(),
		"GOPROXY="+strings.Join(proxies, ","),
		"GOBIN="+gobin,
		"GOMODCACHE="+t.TempDir(),
		"GONOSUMDB=github.com/acctl/acctl",
		"GONOPROXY=", "GOPRIVATE=", "GOWORK=off",
		// -trimpath makes the build cache entries of the dependencies
		// independent of the temporary module cache, so a second run
		// compiles only acctl; -modcacherw lets t.TempDir remove it.
		"GOFLAGS=-trimpath -modcacherw",
	)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	exe := filepath.Join(gobin, "acctl")
	if _, err := os.Stat(exe); err != nil {
		exe += ".exe"
	}
	out, err := exec.Command(exe, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("acctl version: %v\n%s", err, out)
	}
	// The module version from the build info, not "dev" (piped: the
	// fields tab-separated).
	if got := strings.Split(string(out), "\t")[0]; got != installTestVersion {
		t.Errorf("acctl version = %q, want the version %s first", out, installTestVersion)
	}
}

// moduleRoot returns the folder of acctl's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// gitFiles lists the files of the working tree that git tracks or would
// track (not ignored), as the files of a module zip.
func gitFiles(t *testing.T, root string) []modzip.File {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("git ls-files: %v (not a git checkout?)", err)
	}
	var files []modzip.File
	for _, name := range strings.Split(string(out), "\x00") {
		if name == "" {
			continue
		}
		path := filepath.Join(root, filepath.FromSlash(name))
		fi, err := os.Lstat(path)
		if err != nil { // deleted in the working tree
			continue
		}
		if fi.Mode().IsRegular() {
			files = append(files, zipFile{name: name, path: path, info: fi})
		}
	}
	return files
}

// zipFile is a file of the working tree, for modzip.Create.
type zipFile struct {
	name, path string
	info       os.FileInfo
}

func (f zipFile) Path() string                 { return f.name }
func (f zipFile) Lstat() (os.FileInfo, error)  { return f.info, nil }
func (f zipFile) Open() (io.ReadCloser, error) { return os.Open(f.path) }
