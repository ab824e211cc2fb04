#!/usr/bin/env bash
# Set up this checkout on a fresh Debian/Ubuntu machine: everything the dashboard needs.
#   scripts/setup.sh          runtime: Chromium (board-pack charts), .venv, requirements.txt
#   scripts/setup.sh --dev    also the test tools: requirements-dev.txt and axe-core (npm)
# Safe to run again: each step is skipped or quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

dev=false
[[ "${1:-}" == "--dev" ]] && dev=true

# Debian's Chromium renders the board pack's charts and runs the browser tests (nothing is
# downloaded at run time, so it must be installed here); DejaVu Sans gives the PDF pack its
# status icons (✔ ▲ ✖); Pango lays out the tagged PDF pack (WeasyPrint); poppler-utils'
# pdftoppm draws the pack's pages as pictures in the tests.
if ! command -v chromium >/dev/null 2>&1 || [[ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] \
  || ! command -v pdftoppm >/dev/null 2>&1 || ! ldconfig -p 2>/dev/null | grep libpangoft2-1.0 >/dev/null; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [[ "$(id -u)" != "0" ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver fonts-dejavu-core \
      libpango-1.0-0 libpangoft2-1.0-0 poppler-utils
  else
    echo "Install chromium, fonts-dejavu-core, libpango-1.0-0, libpangoft2-1.0-0 and poppler-utils yourself: apt-get is not available." >&2
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
if $dev; then
  .venv/bin/pip install --quiet -r requirements-dev.txt
  # The tests also need npm (axe-core) and LibreOffice Impress (every pack slide is drawn
  # as a picture and its text sizes checked).
  if command -v apt-get >/dev/null 2>&1 && { ! command -v npm >/dev/null 2>&1 || ! command -v soffice >/dev/null 2>&1; }; then
    sudo=""
    [[ "$(id -u)" != "0" ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      nodejs npm libreoffice-impress
  fi
  if [[ -f package-lock.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
else
  .venv/bin/pip install --quiet -r requirements.txt
fi
