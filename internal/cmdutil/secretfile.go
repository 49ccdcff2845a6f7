package cmdutil

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/acctl/acctl/internal/acct"
)

// secretBytes is how many random bytes a new secret file holds; they are
// written in hex, so the key is twice as long.
const secretBytes = 32

// maxSecretFile bounds a secret file: a key, not a dump.
const maxSecretFile = 4096

// secretRand is the source of new secrets; tests replace it.
var secretRand io.Reader = rand.Reader

// LoadSecret returns the installation secret under which codes are
// stored, from the file path (config key secret_file). On first use the
// file is created with 32 random bytes from crypto/rand written in hex,
// mode 0600, in a folder created 0700. White space around the key is
// ignored; what is left must be at least acct.MinSecretLength bytes. A
// file that group or others may read or write is refused (on Unix), as
// is anything but a regular file. Errors name the key secret_file and
// never show the secret.
func LoadSecret(path string) ([]byte, error) {
	if path == "" {
		return nil, secretError("not set")
	}
	b, err := readSecretFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createSecretFile(path); err != nil {
			return nil, err
		}
		b, err = readSecretFile(path)
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

// LoadSecretIfAny is LoadSecret for a command that needs the secret only
// where one exists: a missing file gives nil, and no file is created.
func LoadSecretIfAny(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	b, err := readSecretFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

func secretError(format string, args ...any) error {
	return acct.FieldError(KeySecretFile, format, args...)
}

// readSecretFile reads and checks the secret file; a missing file is an
// error wrapping fs.ErrNotExist.
func readSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, &acct.Error{Code: acct.CodeInvalid, Field: KeySecretFile,
			Message: fmt.Sprintf("%s: cannot read the installation secret: %v", KeySecretFile, err), Err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, secretError("%v", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, secretError("%s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, &acct.Error{Code: acct.CodeInvalid, Field: KeySecretFile, Message: fmt.Sprintf(
			"%s: %s has mode %04o: group or others may read or change the installation secret; run chmod 600 %s",
			KeySecretFile, path, perm, path)}
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return nil, secretError("read %s: %v", path, err)
	}
	if len(b) > maxSecretFile {
		return nil, secretError("%s is larger than %d bytes: not a key file", path, maxSecretFile)
	}
	b = bytes.TrimSpace(b)
	if len(b) < acct.MinSecretLength {
		return nil, secretError("%s holds %d bytes, fewer than the %d an installation secret needs (delete it to have a new one made, which voids every outstanding code)",
			path, len(b), acct.MinSecretLength)
	}
	return b, nil
}

// createSecretFile writes a new secret to path. Two processes may race
// to create it: the secret is written to a temporary file that is then
// linked into place, which fails if another process was first, so that
// nobody ever reads a half-written file.
func createSecretFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return secretError("create the folder of %s: %v", path, err)
	}
	raw := make([]byte, secretBytes)
	if _, err := io.ReadFull(secretRand, raw); err != nil {
		return secretError("make a new secret: %v", err)
	}
	key := []byte(hex.EncodeToString(raw) + "\n")
	tmp, err := os.CreateTemp(dir, ".secret-*")
	if err != nil {
		return secretError("create %s: %v", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return secretError("create %s: %v", path, err)
	}
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return secretError("write %s: %v", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return secretError("write %s: %v", path, err)
	}
	if err := tmp.Close(); err != nil {
		return secretError("write %s: %v", path, err)
	}
	err = os.Link(tmp.Name(), path)
	switch {
	case err == nil, errors.Is(err, fs.ErrExist):
		return nil // ours, or another process's: either is the secret now
	}
	// No hard links here (some file systems): create the file exclusively.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return secretError("create %s: %v", path, err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return secretError("write %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		return secretError("write %s: %v", path, err)
	}
	return nil
}
