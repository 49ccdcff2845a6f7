package cmdutil

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/spf13/viper"

	"github.com/acctl/acctl/internal/acct"
)

// importFromViper reads a Firebase project's password hash parameters
// (import.firebase_scrypt.*): the signer key and salt separator in base64,
// as Firebase's console shows them, the rounds and the memory cost. They
// are used only when the signer key is set; then the salt separator is
// required too.
func importFromViper(v *viper.Viper, c *Config) error {
	key := strings.TrimSpace(v.GetString(KeyFirebaseSignerKey))
	sep := strings.TrimSpace(v.GetString(KeyFirebaseSaltSeparator))
	if key == "" {
		if sep != "" {
			return acct.FieldError(KeyFirebaseSignerKey, "required with %s: the base64_signer_key of the Firebase project's password hash parameters", KeyFirebaseSaltSeparator)
		}
		return nil
	}
	f := &c.FirebaseScrypt
	var err error
	if f.SignerKey, err = decodeBase64(key); err != nil {
		return acct.FieldError(KeyFirebaseSignerKey, "want the base64_signer_key of the Firebase project's password hash parameters (base64): %v", err)
	}
	if sep == "" {
		return acct.FieldError(KeyFirebaseSaltSeparator, "required with %s: the base64_salt_separator of the Firebase project (often Bw==)", KeyFirebaseSignerKey)
	}
	if f.SaltSeparator, err = decodeBase64(sep); err != nil {
		return acct.FieldError(KeyFirebaseSaltSeparator, "want the base64_salt_separator of the Firebase project (base64, often Bw==): %v", err)
	}
	for _, it := range []struct {
		key string
		set *int
	}{{KeyFirebaseRounds, &f.Rounds}, {KeyFirebaseMemCost, &f.MemCost}} {
		s := strings.TrimSpace(v.GetString(it.key))
		n, err := strconv.ParseUint(s, 10, 8)
		if err != nil || n == 0 {
			return acct.FieldError(it.key, "want a positive whole number, got %q", s)
		}
		*it.set = int(n)
	}
	if err := f.Validate(); err != nil {
		return acct.FieldError("import.firebase_scrypt", "%v", err)
	}
	return nil
}

// decodeBase64 reads standard base64, padded or not (URL-safe too).
func decodeBase64(s string) ([]byte, error) {
	s = strings.NewReplacer("-", "+", "_", "/").Replace(strings.TrimRight(s, "="))
	return base64.RawStdEncoding.DecodeString(s)
}
