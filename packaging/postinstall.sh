#!/bin/sh
# After installing or upgrading the acctl package: let systemd see the new
# unit. The service is neither enabled nor restarted here: see README.md,
# "Running the server".
set -e
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	systemctl daemon-reload || true
fi
