package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmdutil"
)

func TestConfigShow(t *testing.T) {
	for _, k := range cmdutil.ConfigKeys {
		t.Setenv(cmdutil.EnvVar(k), "")
	}
	t.Setenv("ACCTL_DELETION_HOLD", "30d")
	t.Setenv("ACCTL_SESSION_IDLE", "20m")
	t.Setenv("ACCTL_EMAIL_SMTP_PASSWORD_FILE", "/run/secrets/smtp")
	file := filepath.Join(t.TempDir(), "acctl.yaml")
	if err := os.WriteFile(file, []byte("phone:\n  region: GB\noutput: json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := cmdtest.New(t)

	entries := cmdtest.DecodeJSON[[]cmdutil.ConfigEntry](t, e.MustRun("--config", file, "--store", "postgres://acctl:hunter2@db/acctl", "config", "show"))
	want := map[string]cmdutil.ConfigEntry{
		"store":                  {Key: "store", Value: "postgres://acctl:********@db/acctl", Source: "flag", Origin: "--store"},
		"output":                 {Key: "output", Value: "json", Source: "file", Origin: file},
		"deletion.hold":          {Key: "deletion.hold", Value: "30d", Source: "env", Origin: "ACCTL_DELETION_HOLD"},
		"phone.region":           {Key: "phone.region", Value: "GB", Source: "file", Origin: file},
		"session.idle":           {Key: "session.idle", Value: "20m", Source: "env", Origin: "ACCTL_SESSION_IDLE"},
		"session.absolute":       {Key: "session.absolute", Value: "24h", Source: "default"},
		"session.persistent":     {Key: "session.persistent", Value: "720h", Source: "default"},
		"lockout.threshold":      {Key: "lockout.threshold", Value: "10", Source: "default"},
		"lockout.duration":       {Key: "lockout.duration", Value: "15m", Source: "default"},
		"password.min_length":    {Key: "password.min_length", Value: "15", Source: "default"},
		"password.argon2.memory": {Key: "password.argon2.memory", Value: "64", Source: "default"},
		// A file that holds a secret is named, not read.
		"email.smtp.password_file": {Key: "email.smtp.password_file", Value: "/run/secrets/smtp", Source: "env", Origin: "ACCTL_EMAIL_SMTP_PASSWORD_FILE"},
		"secret_file":              {Key: "secret_file", Value: filepath.Join(filepath.Dir(e.Store), "secret"), Source: "default"},
	}
	if len(entries) != len(cmdutil.ConfigKeys) {
		t.Fatalf("entries: %+v", entries)
	}
	for _, got := range entries {
		if w, ok := want[got.Key]; ok && got != w {
			t.Errorf("got %+v, want %+v", got, w)
		}
	}

	res := e.RunWith(cmdtest.TTY(""), "config", "show")
	if res.Code != 0 || !regexp.MustCompile(`^KEY +VALUE +SOURCE +FROM\n`).MatchString(res.Out) ||
		!regexp.MustCompile(`\ndeletion\.hold +30d +env +ACCTL_DELETION_HOLD\n`).MatchString(res.Out) ||
		!strings.HasPrefix(res.Err, "config file: none\npassword hashing: up to ") {
		t.Errorf("table: %+v", res)
	}
	if out := e.MustRun("config", "show"); !strings.Contains(out, "deletion.hold\t30d\tenv\tACCTL_DELETION_HOLD\n") {
		t.Errorf("tsv: %q", out)
	}

	if res := e.Run("--config", filepath.Join(t.TempDir(), "missing.yaml"), "config", "show"); res.Code != 2 || !strings.Contains(res.Err, "config file") {
		t.Errorf("missing --config: %+v", res)
	}
}

func TestConfigShowBadSessionValue(t *testing.T) {
	for _, k := range cmdutil.ConfigKeys {
		t.Setenv(cmdutil.EnvVar(k), "")
	}
	t.Setenv("ACCTL_LOCKOUT_DURATION", "forever")
	e := cmdtest.New(t)
	res := e.Run("config", "show")
	if res.Code != 2 || !strings.Contains(res.Out, "lockout.duration\tforever\tenv\tACCTL_LOCKOUT_DURATION\n") ||
		!strings.HasPrefix(res.Err, "acctl: lockout.duration: ") {
		t.Errorf("bad lockout.duration: %+v", res)
	}
	// Every command refuses it, naming the key.
	res = e.Run("user", "list")
	if res.Code != 2 || !strings.HasPrefix(res.Err, "acctl: lockout.duration: want a positive duration") {
		t.Errorf("user list: %+v", res)
	}
}

// TestConfigShowHashPool: the hash.* keys show what auto stands for on
// this machine, a terminal is told the memory they imply, and a bad value
// is refused naming the key.
func TestConfigShowHashPool(t *testing.T) {
	for _, k := range cmdutil.ConfigKeys {
		t.Setenv(cmdutil.EnvVar(k), "")
	}
	e := cmdtest.New(t)
	out := e.MustRun("config", "show")
	n := runtime.GOMAXPROCS(0)
	if want := fmt.Sprintf("hash.max_concurrent\tauto (%d)\tdefault\t\nhash.max_queue\tauto (%d)\tdefault\t\n", n, acct.DefaultHashQueuePerSlot*n); !strings.Contains(out, want) {
		t.Errorf("defaults: %q, want %q", out, want)
	}
	t.Setenv("ACCTL_HASH_MAX_CONCURRENT", "3")
	t.Setenv("ACCTL_HASH_MAX_QUEUE", "0")
	e = cmdtest.New(t)
	e.Defaults[cmdutil.KeyArgon2Memory] = 19456
	res := e.RunWith(cmdtest.TTY(""), "config", "show")
	if res.Code != 0 || !regexp.MustCompile(`\nhash\.max_concurrent +3 +env +ACCTL_HASH_MAX_CONCURRENT\nhash\.max_queue +0 +env +ACCTL_HASH_MAX_QUEUE\n`).MatchString(res.Out) ||
		!strings.Contains(res.Err, "password hashing: up to 57 MiB (hash.max_concurrent 3 × password.argon2.memory 19456 KiB) at once, 0 more may wait\n") {
		t.Errorf("set: %+v", res)
	}
	for _, bad := range []string{"0", "-1", "many", "5000"} {
		t.Setenv("ACCTL_HASH_MAX_CONCURRENT", bad)
		if res := cmdtest.New(t).Run("config", "show"); res.Code != 2 || !strings.HasPrefix(res.Err, "acctl: hash.max_concurrent: want auto or a whole number") {
			t.Errorf("hash.max_concurrent %q: %+v", bad, res)
		}
	}
	t.Setenv("ACCTL_HASH_MAX_CONCURRENT", "auto")
	t.Setenv("ACCTL_HASH_MAX_QUEUE", "-3")
	if res := cmdtest.New(t).Run("config", "show"); res.Code != 2 || !strings.HasPrefix(res.Err, "acctl: hash.max_queue: want auto or a whole number") {
		t.Errorf("hash.max_queue -3: %+v", res)
	}
}
