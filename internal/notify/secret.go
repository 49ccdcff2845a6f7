package notify

import (
	"fmt"
	"os"
	"strings"
	"unicode"
)

// maxSecretBytes bounds a secret file: a password or a token, not a dump.
const maxSecretBytes = 4096

// readSecret reads a password or token from path, named in errors by the
// configuration key. Surrounding white space is trimmed; a secret holds no
// control characters, and a token (word) no spaces either. The secret
// itself never appears in an error.
func readSecret(key, path string, word bool) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	if len(b) > maxSecretBytes {
		return "", fmt.Errorf("%s: %s is larger than %d bytes", key, path, maxSecretBytes)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s: %s is empty", key, path)
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return "", fmt.Errorf("%s: %s holds more than one line or a control character", key, path)
	}
	if word && strings.ContainsFunc(s, unicode.IsSpace) {
		return "", fmt.Errorf("%s: %s holds more than one word", key, path)
	}
	return s, nil
}
