#!/usr/bin/env bash
# Writes hash-fixtures.jsonl: password hashes made by well-known tools and
# libraries, each with the password that opens it, for the tests of
# acct.Hasher.Verify. It records how each was made (the "made_by" field)
# and is kept so that the fixtures can be made again; the tests only read
# the .jsonl file, never run this.
#
# Made on Debian 12 with:
#   apt-get install python3-passlib python3-bcrypt python3-argon2 python3-django apache2-utils nodejs npm
#   npm install @phc/pbkdf2@1.1.14   (in a scratch folder given as PHC_NODE_MODULES)
# (passlib 1.7.4, bcrypt 3.2.2, argon2-cffi 21.1.0, Django 3.2.25,
#  htpasswd of Apache 2.4, node 20 with @phc/pbkdf2 1.1.14)
#
# The firebase-scrypt line is the sample of Firebase's own repository
# (github.com/firebase/scrypt, README: the project's hash parameters,
# user1@test.com's exported hash and salt, and its password).
#
# The crypt(3), LDAP and Django-prefix fixtures (section "migrations") were
# made on Debian 12 with:
#   apt-get install whois apache2-utils openssl python3-passlib python3-django python3-bcrypt python3-argon2
#   slappasswd of slapd 2.5.13 (apt-get download slapd libltdl7 libwrap0, unpacked with
#   dpkg -x into a scratch folder given as SLAPD_ROOT, run with LD_LIBRARY_PATH
#   set to its lib folders: the package's daemon is never installed or started)
# (mkpasswd of whois 5.5.17 with libxcrypt 4.4.33, OpenSSL 3.0, htpasswd of
#  Apache 2.4, passlib 1.7.4, Django 3.2.25). One {SSHA} is made with openssl
# and printf alone, as 389-ds writes it (an 8-byte salt):
#   base64( SHA1(password || salt) || salt )
#
# Usage: make-hash-fixtures.sh [SECTION...]; with no section, every one is
# made again into a new file; with sections (python htpasswd node firebase
# migrations), their lines are appended to the file as it is.
set -euo pipefail
cd "$(dirname "$0")"
out=hash-fixtures.jsonl
if [ $# -eq 0 ]; then
  set -- python htpasswd node firebase migrations
  : >"$out"
fi

section_python() {
/usr/bin/python3 - >>"$out" <<'PY'
import json, os, base64
import argon2, bcrypt
from passlib.hash import argon2 as pl_argon2, bcrypt as pl_bcrypt, scrypt as pl_scrypt
from passlib.hash import pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512
import django
from django.conf import settings
settings.configure(PASSWORD_HASHERS=[
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
])
django.setup()
from django.contrib.auth.hashers import make_password

def line(scheme, password, h, made_by):
    print(json.dumps({"scheme": scheme, "password": password, "hash": h, "made_by": made_by}, ensure_ascii=False))

pw = "correct horse battery staple"
line("argon2id", pw, argon2.PasswordHasher(time_cost=2, memory_cost=1024, parallelism=2).hash(pw),
     "argon2-cffi 21.1.0: argon2.PasswordHasher(time_cost=2, memory_cost=1024, parallelism=2).hash(password)")
line("argon2i", "pässwörd mit Ümlauten", argon2.PasswordHasher(time_cost=3, memory_cost=512, parallelism=1, type=argon2.Type.I).hash("pässwörd mit Ümlauten"),
     "argon2-cffi 21.1.0: argon2.PasswordHasher(time_cost=3, memory_cost=512, parallelism=1, type=argon2.Type.I).hash(password)")
line("argon2id", "tr0ub4dor&3", pl_argon2.using(type="ID", rounds=1, memory_cost=256, parallelism=1).hash("tr0ub4dor&3"),
     "passlib 1.7.4: passlib.hash.argon2.using(type='ID', rounds=1, memory_cost=256, parallelism=1).hash(password)")
line("bcrypt", pw, bcrypt.hashpw(pw.encode(), bcrypt.gensalt(rounds=5)).decode(),
     "python bcrypt 3.2.2: bcrypt.hashpw(password, bcrypt.gensalt(rounds=5)) ($2b$)")
line("bcrypt", "letmein, but longer than 15", pl_bcrypt.using(ident="2a", rounds=4).hash("letmein, but longer than 15"),
     "passlib 1.7.4: passlib.hash.bcrypt.using(ident='2a', rounds=4).hash(password) ($2a$)")
long = "a very long passphrase that goes past the seventy-two bytes that bcrypt reads, and on"
line("bcrypt", long, bcrypt.hashpw(long.encode(), bcrypt.gensalt(rounds=4)).decode(),
     "python bcrypt 3.2.2: bcrypt.hashpw(password, bcrypt.gensalt(rounds=4)) with an 85-byte password")
line("scrypt", pw, pl_scrypt.using(rounds=12, block_size=8, parallelism=1).hash(pw),
     "passlib 1.7.4 (stdlib hashlib.scrypt backend): passlib.hash.scrypt.using(rounds=12, block_size=8, parallelism=1).hash(password)")
line("scrypt", "Ünïcode 🔑 passphrase", pl_scrypt.using(rounds=10, block_size=4, parallelism=2).hash("Ünïcode 🔑 passphrase"),
     "passlib 1.7.4 (stdlib hashlib.scrypt backend): passlib.hash.scrypt.using(rounds=10, block_size=4, parallelism=2).hash(password)")
line("pbkdf2-sha256", pw, pbkdf2_sha256.hash(pw), "passlib 1.7.4: passlib.hash.pbkdf2_sha256.hash(password) (default 29000 rounds, ab64)")
line("pbkdf2-sha1", pw, pbkdf2_sha1.hash(pw), "passlib 1.7.4: passlib.hash.pbkdf2_sha1.hash(password) (default 131000 rounds, ab64)")
line("pbkdf2-sha512", pw, pbkdf2_sha512.hash(pw), "passlib 1.7.4: passlib.hash.pbkdf2_sha512.hash(password) (default 25000 rounds, ab64)")
line("django-pbkdf2-sha256", pw, make_password(pw, hasher="pbkdf2_sha256"),
     "Django 3.2.25: django.contrib.auth.hashers.make_password(password, hasher='pbkdf2_sha256') (260000 iterations)")
line("django-pbkdf2-sha1", "hunter2 hunter2 hunter2", make_password("hunter2 hunter2 hunter2", hasher="pbkdf2_sha1"),
     "Django 3.2.25: django.contrib.auth.hashers.make_password(password, hasher='pbkdf2_sha1') (260000 iterations)")
PY
}

section_htpasswd() {
pw="correct horse battery staple"
h=$(printf '%s' "$pw" | htpasswd -niB -C 5 alice | cut -d: -f2-)
printf '{"scheme": "bcrypt", "password": "%s", "hash": "%s", "made_by": "Apache htpasswd 2.4: htpasswd -niB -C 5 alice ($2y$)"}\n' "$pw" "$h" >>"$out"
}

section_node() {
NODE_PATH="${PHC_NODE_MODULES:?the node_modules folder holding @phc/pbkdf2}" node - >>"$out" <<'JS'
const pbkdf2 = require('@phc/pbkdf2');
const pw = 'correct horse battery staple';
(async () => {
  for (const [digest, iterations] of [['sha256', 25000], ['sha512', 10000]]) {
    const hash = await pbkdf2.hash(pw, {digest, iterations});
    console.log(JSON.stringify({scheme: 'pbkdf2-' + digest, password: pw, hash,
      made_by: `node 20, @phc/pbkdf2 1.1.14: pbkdf2.hash(password, {digest: '${digest}', iterations: ${iterations}}) (PHC i=…)`}));
  }
})();
JS
}

section_firebase() {
cat >>"$out" <<'FB'
{"scheme": "firebase-scrypt", "password": "user1password", "hash": "$firebase-scrypt$42xEC+ixf3L2lw==$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==", "firebase_scrypt": {"signer_key": "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==", "salt_separator": "Bw==", "rounds": 8, "mem_cost": 14}, "made_by": "Firebase's sample in github.com/firebase/scrypt README: hash_config, user1@test.com's exported passwordHash and salt, password user1password"}
FB
}

# jline SCHEME PASSWORD HASH MADE_BY: one fixture line, JSON-escaped.
jline() {
  /usr/bin/python3 -c 'import json,sys; print(json.dumps(dict(zip(["scheme","password","hash","made_by"], sys.argv[1:])), ensure_ascii=False))' "$@" >>"$out"
}

section_migrations() {
local pw="correct horse battery staple" uni="pässwörd mit Ümlauten"
local long="a very long passphrase that goes past the seventy-two bytes that bcrypt reads, and on"
local h
# crypt(3): md5crypt, Apache's apr1, sha256crypt, sha512crypt, yescrypt.
jline md5-crypt "$pw" "$(printf '%s\n' "$pw" | openssl passwd -1 -stdin)" 'OpenSSL 3.0: openssl passwd -1 -stdin'
jline md5-crypt "$uni" "$(printf '%s' "$uni" | mkpasswd -m md5crypt --stdin)" 'mkpasswd (whois 5.5.17, libxcrypt): mkpasswd -m md5crypt --stdin'
jline apr1-md5 "$pw" "$(printf '%s\n' "$pw" | openssl passwd -apr1 -stdin)" 'OpenSSL 3.0: openssl passwd -apr1 -stdin'
jline apr1-md5 "$pw" "$(htpasswd -nbm alice "$pw" | cut -d: -f2-)" 'Apache htpasswd 2.4: htpasswd -nbm alice PASSWORD'
jline sha256-crypt "$pw" "$(printf '%s\n' "$pw" | openssl passwd -5 -stdin)" 'OpenSSL 3.0: openssl passwd -5 -stdin'
jline sha256-crypt "$uni" "$(printf '%s' "$uni" | mkpasswd -m sha256crypt -R 12000 --stdin)" 'mkpasswd (whois 5.5.17, libxcrypt): mkpasswd -m sha256crypt -R 12000 --stdin'
jline sha512-crypt "$pw" "$(printf '%s\n' "$pw" | openssl passwd -6 -stdin)" 'OpenSSL 3.0: openssl passwd -6 -stdin (as /etc/shadow writes it)'
jline sha512-crypt "$uni" "$(printf '%s' "$uni" | mkpasswd -m sha512crypt --stdin)" 'mkpasswd (whois 5.5.17, libxcrypt): mkpasswd -m sha512crypt --stdin'
jline sha512-crypt "$long" "$(printf '%s' "$long" | mkpasswd -m sha512crypt -R 20000 --stdin)" 'mkpasswd (whois 5.5.17, libxcrypt): mkpasswd -m sha512crypt -R 20000 --stdin'
jline yescrypt "$pw" "$(printf '%s' "$pw" | mkpasswd -m yescrypt --stdin)" 'mkpasswd (whois 5.5.17, libxcrypt 4.4.33): mkpasswd -m yescrypt --stdin (the default of Debian 12 and Fedora shadow files)'
jline yescrypt "$uni" "$(printf '%s' "$uni" | mkpasswd -m yescrypt -R 3 --stdin)" 'mkpasswd (whois 5.5.17, libxcrypt 4.4.33): mkpasswd -m yescrypt -R 3 --stdin'
jline yescrypt "$long" "$(printf '%s' "$long" | mkpasswd -m yescrypt -R 1 --stdin)" 'mkpasswd (whois 5.5.17, libxcrypt 4.4.33): mkpasswd -m yescrypt -R 1 --stdin'

# LDAP (slapd's slappasswd; SSHA256/512 come from its pw-sha2 module).
local slap="${SLAPD_ROOT:?the folder the slapd package was unpacked into}/usr/sbin/slappasswd"
local sha2=(-o "module-path=$SLAPD_ROOT/usr/lib/ldap" -o module-load=pw-sha2.la)
export LD_LIBRARY_PATH="$SLAPD_ROOT/usr/lib/ldap:$SLAPD_ROOT/usr/lib/x86_64-linux-gnu"
jline ldap-ssha "$pw" "$("$slap" -h '{SSHA}' -s "$pw")" "slappasswd (OpenLDAP 2.5.13): slappasswd -h '{SSHA}' -s PASSWORD"
jline ldap-ssha256 "$pw" "$("$slap" "${sha2[@]}" -h '{SSHA256}' -s "$pw")" "slappasswd (OpenLDAP 2.5.13, pw-sha2): slappasswd -o module-load=pw-sha2.la -h '{SSHA256}' -s PASSWORD"
jline ldap-ssha512 "$uni" "$("$slap" "${sha2[@]}" -h '{SSHA512}' -s "$uni")" "slappasswd (OpenLDAP 2.5.13, pw-sha2): slappasswd -o module-load=pw-sha2.la -h '{SSHA512}' -s PASSWORD"
jline ldap-sha "$pw" "$("$slap" -h '{SHA}' -s "$pw")" "slappasswd (OpenLDAP 2.5.13): slappasswd -h '{SHA}' -s PASSWORD"
jline sha512-crypt "$pw" "$("$slap" -h '{CRYPT}' -c '$6$rounds=5000$%.16s' -s "$pw")" "slappasswd (OpenLDAP 2.5.13): slappasswd -h '{CRYPT}' -c '\$6\$rounds=5000\$%.16s' -s PASSWORD"
jline yescrypt "$pw" "$("$slap" -h '{CRYPT}' -c '$y$j9T$%.16s' -s "$pw")" "slappasswd (OpenLDAP 2.5.13, libcrypt): slappasswd -h '{CRYPT}' -c '\$y\$j9T\$%.16s' -s PASSWORD"
# {SSHA} as 389-ds writes it (8-byte salt), with openssl and printf alone.
local salt; salt=$(openssl rand -hex 8)
h=$( { printf '%s' "$pw" | cat - <(printf '%s' "$salt" | xxd -r -p) | openssl dgst -sha1 -binary; printf '%s' "$salt" | xxd -r -p; } | base64 -w0)
jline ldap-ssha "$pw" "{SSHA}$h" 'openssl and printf: base64(openssl dgst -sha1 -binary of PASSWORD || 8-byte salt, then the salt), as 389-ds writes {SSHA}'

# Django's own prefixes, and passlib's bcrypt_sha256.
/usr/bin/python3 - "$pw" "$uni" "$long" >>"$out" <<'PY'
import json, sys
pw, uni, long = sys.argv[1:4]
import django
from django.conf import settings
settings.configure(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"])
django.setup()
from django.contrib.auth import hashers
from passlib.hash import bcrypt_sha256

# The cost is lowered (subclasses, as Django's docs show) to keep the tests fast.
class Argon2(hashers.Argon2PasswordHasher):
    time_cost, memory_cost, parallelism = 2, 1024, 2
class BCryptSHA256(hashers.BCryptSHA256PasswordHasher):
    rounds = 5
class BCrypt(hashers.BCryptPasswordHasher):
    rounds = 4

def line(scheme, password, h, made_by):
    print(json.dumps({"scheme": scheme, "password": password, "hash": h, "made_by": made_by}, ensure_ascii=False))

line("django-argon2id", pw, Argon2().encode(pw, Argon2().salt()),
     "Django 3.2.25 (argon2-cffi 21.1.0): Argon2PasswordHasher with time_cost=2, memory_cost=1024, parallelism=2: encode(password, salt())")
# Django 1.10 to 2.1 wrote argon2i: "argon2" followed by argon2-cffi's hash.
import argon2
line("django-argon2i", uni, "argon2" + argon2.PasswordHasher(time_cost=2, memory_cost=512, parallelism=2, type=argon2.Type.I).hash(uni),
     "argon2-cffi 21.1.0 argon2i (time_cost=2, memory_cost=512, parallelism=2) behind Django's prefix \"argon2\", as Django 1.10 to 2.1 wrote it (Argon2PasswordHasher then used argon2i)")
line("django-bcrypt-sha256", pw, BCryptSHA256().encode(pw, BCryptSHA256().salt()),
     "Django 3.2.25 (bcrypt 3.2.2): BCryptSHA256PasswordHasher with rounds=5: encode(password, salt())")
line("django-bcrypt-sha256", long, BCryptSHA256().encode(long, BCryptSHA256().salt()),
     "Django 3.2.25 (bcrypt 3.2.2): BCryptSHA256PasswordHasher with rounds=5: encode(password, salt()) with an 85-byte password")
line("django-bcrypt", uni, BCrypt().encode(uni, BCrypt().salt()),
     "Django 3.2.25 (bcrypt 3.2.2): BCryptPasswordHasher with rounds=4: encode(password, salt())")
line("django-bcrypt", long, BCrypt().encode(long, BCrypt().salt()),
     "Django 3.2.25 (bcrypt 3.2.2): BCryptPasswordHasher with rounds=4: encode(password, salt()) with an 85-byte password")
line("bcrypt-sha256", pw, bcrypt_sha256.using(rounds=5).hash(pw),
     "passlib 1.7.4 (bcrypt 3.2.2): passlib.hash.bcrypt_sha256.using(rounds=5).hash(password) (v=2: HMAC-SHA256 keyed by the salt)")
line("bcrypt-sha256", long, bcrypt_sha256.using(rounds=4, version=1).hash(long),
     "passlib 1.7.4 (bcrypt 3.2.2): passlib.hash.bcrypt_sha256.using(rounds=4, version=1).hash(password) (v1: SHA-256) with an 85-byte password")
PY
}

for s in "$@"; do "section_$s"; done
echo "wrote $(wc -l <"$out") fixtures to $(pwd)/$out"

# scram-sha-256 (appended by hand, not by a section above): PostgreSQL 15's
# own verifiers, from a throw-away server run as the postgres user:
#   SET password_encryption = 'scram-sha-256';
#   CREATE ROLE fx PASSWORD 'correct horse battery staple';
#   CREATE ROLE fx2 PASSWORD 'pässwörd mit Ümlauten';
#   SELECT rolname, rolpassword FROM pg_authid WHERE rolname LIKE 'fx%';
