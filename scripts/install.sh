#!/usr/bin/env bash
# Install Baoxue into .venv on a Debian/Ubuntu machine with Python 3.11+.
#   bash scripts/install.sh          the program
#   bash scripts/install.sh --test   the program and everything the tests need
# System libraries Qt needs (xcb, EGL, xkbcommon), a CJK font and, for tests, poppler-utils
# are installed with apt when missing (as root, or through sudo); for tests also binutils (PyInstaller)
# and postgresql (the tests start a throw-away cluster of their own: the district's server store).
set -euo pipefail
cd "$(dirname "$0")/.."

extra=""
[ "${1:-}" = "--test" ] && extra="[test]"

packages=(libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
          libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
          libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 fonts-wqy-microhei)
# Tests: poppler-utils reads PDFs back; binutils' objcopy is what PyInstaller builds the frozen program with.
# postgresql: the store, sync, district and census tests also run against a PostgreSQL server (tests/pg_cluster.py).
[ -n "$extra" ] && packages+=(poppler-utils binutils postgresql)
python=${PYTHON:-python3}
# PyInstaller needs the shared libpython; Debian's own interpreter keeps it in a separate package.
if [ -n "$extra" ] && "$python" -c 'import sys; sys.exit(not sys.base_prefix.startswith("/usr") or sys.base_prefix.startswith("/usr/local"))'; then
  packages+=("libpython$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')")
fi

if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
    echo "Installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".$extra"
