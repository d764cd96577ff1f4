#!/usr/bin/env bash
# One set-up step for both quick-start commands (make demo, make test).
#
# Idempotent and quick when already done:
#   1. installs the Debian packages the project needs, only those missing;
#   2. creates the virtual environment .venv (Python 3.11+);
#   3. installs the project with its extras, only when setup.cfg or pyproject.toml changed.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

# Debian packages: PostgreSQL 15 with PostGIS 3 (the embedded database); GDAL's ogr2ogr and
# ogrinfo (the peer in load benchmarks, and an OGC API client in tests); Chromium and its
# driver (the map's browser tests, through Playwright pointed at /usr/bin/chromium, never
# a browser download of its own); wrk (the map's latency benchmark).
DEB_PACKAGES=(postgresql-15 postgresql-15-postgis-3 gdal-bin chromium chromium-driver wrk)

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    apt_get=(apt-get)
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    apt_get=(sudo apt-get)
  else
    echo "setup: these Debian packages are missing and this user cannot install them:" >&2
    echo "         sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${apt_get[@]}" update -qq
  # Debian's postgresql-common would create and start a system-wide cluster; estate runs its own.
  if [ ! -e /etc/postgresql-common/createcluster.conf ] && [ "$(id -u)" -eq 0 ]; then
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
  fi
  "${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}"
fi

# The virtual environment.
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.estate-installed
want=$(cat setup.cfg pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing estate and its extras into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[test,dev]"
  echo "$want" > "$stamp"
fi
echo "setup: ready"
