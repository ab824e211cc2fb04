#!/usr/bin/env bash
# Set up this checkout on a fresh Debian/Ubuntu machine: everything the dashboard needs.
#   scripts/setup.sh          runtime: Chromium (board-pack charts), .venv, requirements.txt
#   scripts/setup.sh --dev    also the test tools: requirements-dev.txt, axe-core (npm),
#                             LibreOffice Impress (the slides drawn as pictures in the tests)
#                             and PostgreSQL (the SSD read from a database, tested on a server)
# Safe to run again: each step is skipped or quick when already done.
#
# One decision per tool: a Debian package is asked for only when the command or library it
# brings is missing, each in its own apt call, so one that cannot be installed (npm beside
# NodeSource's nodejs, say) never stops the others. Required ones that fail stop the script
# with what to install by hand; optional ones say so and carry on.
set -uo pipefail
cd "$(dirname "$0")/.."

dev=false
[[ "${1:-}" == "--dev" ]] && dev=true

sudo=""
[[ "$(id -u)" != "0" ]] && sudo="sudo"
apt_ready=false
failed_required=()

# apt_install WHAT REQUIRED PACKAGE...: install PACKAGEs with apt, once apt's lists are fresh.
apt_install() {
  local what=$1 required=$2
  shift 2
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: apt-get is not available; install $what yourself ($*)." >&2
    [[ $required == yes ]] && failed_required+=("$what")
    return 0
  fi
  if ! $apt_ready; then
    $sudo apt-get update -qq || true
    apt_ready=true
  fi
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"; then
    if [[ $required == yes ]]; then
      echo "setup: could not install $what ($*) with apt; install it by hand, then run this again." >&2
      failed_required+=("$what")
    else
      echo "setup: could not install $what ($*) with apt; the tests that need it will fail until it is installed by hand." >&2
    fi
  fi
}

# Debian's Chromium renders the board pack's charts and runs the browser tests (nothing is
# downloaded at run time); DejaVu Sans gives the PDF pack its status icons (✔ ▲ ✖); Pango
# lays out the tagged PDF pack (WeasyPrint); poppler-utils' pdftoppm draws pack pages.
command -v chromium >/dev/null 2>&1 || apt_install Chromium yes chromium chromium-driver
[[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || apt_install "DejaVu fonts" yes fonts-dejavu-core
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || apt_install Pango yes libpango-1.0-0 libpangoft2-1.0-0
command -v pdftoppm >/dev/null 2>&1 || apt_install poppler-utils yes poppler-utils

if $dev; then
  # npm brings axe-core for the accessibility tests. NodeSource's nodejs carries its own npm
  # and conflicts with Debian's npm package, so apt is asked only when npm is truly absent.
  command -v npm >/dev/null 2>&1 || apt_install npm yes npm
  # LibreOffice Impress draws every pack slide as a picture in the tests.
  # Optional: only the slide-picture test needs it (it skips on a developer's machine without
  # it, and fails in CI, which sets CI), so a failure says what to install and the rest runs.
  command -v soffice >/dev/null 2>&1 || apt_install "LibreOffice Impress" no libreoffice-impress
  # PostgreSQL's server binaries: the SSD-from-a-database tests start their own server.
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || apt_install PostgreSQL yes postgresql
fi

if ((${#failed_required[@]})); then
  echo "setup: stopped; missing: ${failed_required[*]}." >&2
  exit 1
fi

set -e
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
if $dev; then
  .venv/bin/pip install --quiet -r requirements-dev.txt
  npm ci --no-audit --no-fund --loglevel=error
else
  .venv/bin/pip install --quiet -r requirements.txt
fi
