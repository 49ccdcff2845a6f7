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
set -euo pipefail
cd "$(dirname "$0")"
out=hash-fixtures.jsonl
: >"$out"

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

pw="correct horse battery staple"
h=$(printf '%s' "$pw" | htpasswd -niB -C 5 alice | cut -d: -f2-)
printf '{"scheme": "bcrypt", "password": "%s", "hash": "%s", "made_by": "Apache htpasswd 2.4: htpasswd -niB -C 5 alice ($2y$)"}\n' "$pw" "$h" >>"$out"

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

cat >>"$out" <<'FB'
{"scheme": "firebase-scrypt", "password": "user1password", "hash": "$firebase-scrypt$42xEC+ixf3L2lw==$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==", "firebase_scrypt": {"signer_key": "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==", "salt_separator": "Bw==", "rounds": 8, "mem_cost": 14}, "made_by": "Firebase's sample in github.com/firebase/scrypt README: hash_config, user1@test.com's exported passwordHash and salt, password user1password"}
FB
echo "wrote $(wc -l <"$out") fixtures to $(pwd)/$out"
