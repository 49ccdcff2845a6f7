package cmdutil

import (
	"bytes"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// Firebase's sample parameters (github.com/firebase/scrypt, README).
const (
	firebaseKey = "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA=="
	firebaseSep = "Bw=="
)

func TestConfigFirebaseScrypt(t *testing.T) {
	clearEnv(t)
	cfg, err := testFactory(t, "").Config()
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.FirebaseScrypt.IsZero() {
		t.Fatalf("default: %+v, want none", cfg.FirebaseScrypt)
	}

	file := writeFile(t, "config.yaml", "import:\n  firebase_scrypt:\n    signer_key: "+firebaseKey+"\n    salt_separator: "+firebaseSep+"\n")
	f := testFactory(t, file)
	if cfg, err = f.Config(); err != nil {
		t.Fatal(err)
	}
	fb := cfg.FirebaseScrypt
	if len(fb.SignerKey) != 64 || !bytes.Equal(fb.SaltSeparator, []byte{7}) || fb.Rounds != 8 || fb.MemCost != 14 {
		t.Fatalf("from the file: %+v", fb)
	}
	if unknown := UnknownConfigKeys(f.v); len(unknown) != 0 {
		t.Errorf("unknown keys: %v", unknown)
	}
	if got := MaskSecret(KeyFirebaseSignerKey, firebaseKey); got != Mask {
		t.Errorf("config show would print the signer key: %q", got)
	}

	t.Setenv("ACCTL_IMPORT_FIREBASE_SCRYPT_ROUNDS", "4")
	t.Setenv("ACCTL_IMPORT_FIREBASE_SCRYPT_MEM_COST", "12")
	if cfg, err = testFactory(t, file).Config(); err != nil || cfg.FirebaseScrypt.Rounds != 4 || cfg.FirebaseScrypt.MemCost != 12 {
		t.Fatalf("from the environment: %+v, %v", cfg.FirebaseScrypt, err)
	}

	for _, bad := range []struct {
		env   map[string]string
		field string
	}{
		{map[string]string{"ACCTL_IMPORT_FIREBASE_SCRYPT_SALT_SEPARATOR": firebaseSep}, KeyFirebaseSignerKey},
		{map[string]string{"ACCTL_IMPORT_FIREBASE_SCRYPT_SIGNER_KEY": firebaseKey}, KeyFirebaseSaltSeparator},
		{map[string]string{"ACCTL_IMPORT_FIREBASE_SCRYPT_SIGNER_KEY": "not base64!", "ACCTL_IMPORT_FIREBASE_SCRYPT_SALT_SEPARATOR": firebaseSep}, KeyFirebaseSignerKey},
		{map[string]string{"ACCTL_IMPORT_FIREBASE_SCRYPT_SIGNER_KEY": firebaseKey, "ACCTL_IMPORT_FIREBASE_SCRYPT_SALT_SEPARATOR": "%%"}, KeyFirebaseSaltSeparator},
		{map[string]string{"ACCTL_IMPORT_FIREBASE_SCRYPT_SIGNER_KEY": firebaseKey, "ACCTL_IMPORT_FIREBASE_SCRYPT_SALT_SEPARATOR": firebaseSep,
			"ACCTL_IMPORT_FIREBASE_SCRYPT_ROUNDS": "0"}, KeyFirebaseRounds},
		{map[string]string{"ACCTL_IMPORT_FIREBASE_SCRYPT_SIGNER_KEY": firebaseKey, "ACCTL_IMPORT_FIREBASE_SCRYPT_SALT_SEPARATOR": firebaseSep,
			"ACCTL_IMPORT_FIREBASE_SCRYPT_MEM_COST": "21"}, "import.firebase_scrypt"},
		{map[string]string{"ACCTL_IMPORT_FIREBASE_SCRYPT_SIGNER_KEY": "c2hvcnQ=", "ACCTL_IMPORT_FIREBASE_SCRYPT_SALT_SEPARATOR": firebaseSep}, "import.firebase_scrypt"},
	} {
		clearEnv(t)
		for k, v := range bad.env {
			t.Setenv(k, v)
		}
		_, err := testFactory(t, "").Config()
		if ExitCode(err) != ExitUsage || acct.ErrorField(err) != bad.field {
			t.Errorf("%v: err = %v (field %q), want invalid %s", bad.env, err, acct.ErrorField(err), bad.field)
		}
	}
}
