package cmdutil

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

func TestLoadSecretCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf", "acctl")
	path := filepath.Join(dir, "secret")
	s, err := LoadSecret(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 64 || strings.Trim(string(s), "0123456789abcdef") != "" {
		t.Errorf("new secret: %d bytes, not 64 hex digits", len(s))
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != string(s)+"\n" {
		t.Errorf("file holds %q", raw)
	}
	if runtime.GOOS != "windows" {
		for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != want {
				t.Errorf("%s: mode %04o, want %04o", p, fi.Mode().Perm(), want)
			}
		}
	}
	// The second use reads the same secret; nothing is left behind.
	again, err := LoadSecret(path)
	if err != nil || !bytes.Equal(again, s) {
		t.Errorf("second load: %v, same %v", err, bytes.Equal(again, s))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the secret", len(entries))
	}
}

func TestLoadSecretConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret")
	const n = 16
	got := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = LoadSecret(path)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || !bytes.Equal(got[i], got[0]) {
			t.Fatalf("load %d: %v (same secret: %v)", i, errs[i], bytes.Equal(got[i], got[0]))
		}
	}
}

func TestLoadSecretExisting(t *testing.T) {
	dir := t.TempDir()
	key := "  " + strings.Repeat("k", acct.MinSecretLength) + "\n\n"
	path := filepath.Join(dir, "key")
	if err := os.WriteFile(path, []byte(key), 0o400); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSecret(path)
	if err != nil || string(s) != strings.Repeat("k", acct.MinSecretLength) {
		t.Errorf("existing: %q, %v", s, err)
	}
}

func TestLoadSecretErrors(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes")
	}
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // past the umask
			t.Fatal(err)
		}
		return p
	}
	long := strings.Repeat("s3cr3t", 10)
	unreadable := write("unreadable", long, 0o000)
	tests := []struct {
		name, path, want string
	}{
		{"group readable", write("group", long, 0o640), "has mode 0640: group or others may read or change the installation secret; run chmod 600"},
		{"world writable", write("world", long, 0o602), "has mode 0602"},
		{"too short", write("short", "abc\n", 0o600), "holds 3 bytes, fewer than the 32"},
		{"empty", write("empty", "\n", 0o600), "holds 0 bytes"},
		{"too long", write("long", strings.Repeat("x", 5000), 0o600), "larger than 4096 bytes"},
		{"a folder", dir, "is not a regular file"},
		{"not set", "", "not set"},
	}
	if os.Geteuid() != 0 { // root reads anything
		tests = append(tests, struct{ name, path, want string }{"unreadable", unreadable, "cannot read the installation secret"})
	}
	for _, tt := range tests {
		_, err := LoadSecret(tt.path)
		if err == nil || !strings.HasPrefix(err.Error(), "secret_file: ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want secret_file: …%s", tt.name, err, tt.want)
			continue
		}
		if acct.ErrorField(err) != KeySecretFile || ExitCode(err) != ExitUsage {
			t.Errorf("%s: field %q exit %d", tt.name, acct.ErrorField(err), ExitCode(err))
		}
		if strings.Contains(err.Error(), long) {
			t.Errorf("%s: the error shows the secret", tt.name)
		}
	}
	// A path under a file.
	blocker := write("blocker", "", 0o600)
	if _, err := LoadSecret(filepath.Join(blocker, "acctl", "secret")); err == nil || !strings.HasPrefix(err.Error(), "secret_file: ") {
		t.Errorf("path under a file: %v", err)
	}
	// A folder that cannot be created.
	if _, err := LoadSecret("/proc/acctl-test/secret"); runtime.GOOS == "linux" && (err == nil || !strings.Contains(err.Error(), "secret_file: create the folder")) {
		t.Errorf("folder in /proc: %v", err)
	}
}
