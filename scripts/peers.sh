#!/usr/bin/env bash
# Installs the real protocol peers the Swift tests talk to: Python's aiosmtpd (SMTP server) and
# pyotp (TOTP cross-check) in .venv-peers, and zbarimg, qpdf and pdftotext. Idempotent and quick when done.
set -euo pipefail
cd "$(dirname "$0")/.."
# zbarimg (QR decoder), qpdf (PDF structure check) and pdftotext (PDF text), from Debian.
missing=()
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
command -v qpdf >/dev/null 2>&1 || missing+=(qpdf)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}") >/dev/null
    else
        echo "Missing test peers: run 'sudo apt-get install ${missing[*]}' (Debian/Ubuntu) and try again." >&2
        exit 1
    fi
fi
if ! .venv-peers/bin/python -c 'import aiosmtpd, pyotp' >/dev/null 2>&1; then
    python3 -m venv .venv-peers
    .venv-peers/bin/pip install -q --disable-pip-version-check aiosmtpd pyotp
fi
