#!/usr/bin/env bash
# Ensure what the build, the tests and the demo need on this machine:
#   1. Debian packages (installed with apt-get where we are root, otherwise the exact
#      apt-get line is printed and we stop);
#   2. the project virtualenv .venv with requirements.txt (moto server, boto3, test tools);
#   3. npm packages from package-lock.json (front end, browser tests);
#   4. MariaDB running on 127.0.0.1:3306 with the databases the project uses.
# Idempotent and quiet when everything is already in place.
#
#   scripts/ensure-deps.sh          all four (make test, make demo, make bench)
#   scripts/ensure-deps.sh build    only what building needs: 1 and 3 (plain make)
set -euo pipefail
cd "$(dirname "$0")/.."
scope=${1:-all}
case "$scope" in all|build) ;; *) echo "usage: $0 [all|build]" >&2; exit 2 ;; esac

PACKAGES=(
  build-essential pkg-config clang libclang-rt-dev
  libcurl4-openssl-dev libssl-dev libjansson-dev libyaml-dev libmariadb-dev libexif-dev
  libjpeg62-turbo-dev zlib1g-dev libmicrohttpd-dev libexpat1-dev check
  python3 python3-venv mariadb-server mariadb-client
  libimage-exiftool-perl libvips-tools wrk curl ca-certificates
  nodejs npm chromium iso-codes
)
# libclang-rt-dev (the runtime of the default clang: sanitizers and libFuzzer) is the
# unversioned name on both Debian 12 and 13.

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js may come from elsewhere than Debian (npm then ships with it).
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs/}"); missing=("${missing[@]/npm/}")
fi
read -r -a missing <<<"${missing[*]:-}"
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    echo "deps: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "deps: missing Debian packages. Run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# The virtualenv, rebuilt when requirements.txt changes (not needed to build).
ensure_venv() {
  stamp=.venv/.requirements.sha256
  want=$(sha256sum requirements.txt | cut -d' ' -f1)
  if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "deps: preparing the virtualenv .venv (moto server, boto3, test tools)"
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt 2>&1 | grep -v "^WARNING: Location" || true
    .venv/bin/python -c "import moto, boto3, pytest, pymysql, PIL, werkzeug" || { echo "deps: the virtualenv is incomplete" >&2; exit 1; }
    echo "$want" > "$stamp"
  fi
}
[ "$scope" = build ] || ensure_venv

# npm packages, pinned by package-lock.json.
if [ -f package-lock.json ]; then
  nstamp=node_modules/.lock.sha256
  nwant=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$nstamp" 2>/dev/null)" != "$nwant" ]; then
    echo "deps: installing npm packages (package-lock.json)"
    npm ci --silent --no-audit --no-fund >/dev/null
    echo "$nwant" > "$nstamp"
  fi
fi

[ "$scope" = build ] && exit 0

# MariaDB: start it where it is not running, then make sure root can connect.
mysql_up() { mariadb -h 127.0.0.1 -P 3306 -u root -e 'SELECT 1' >/dev/null 2>&1; }
if ! mysql_up; then
  echo "deps: starting MariaDB"
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do mysql_up && break; sleep 0.5; done
  mysql_up || { echo "deps: MariaDB is not reachable on 127.0.0.1:3306 as root" >&2; exit 1; }
fi
mariadb -h 127.0.0.1 -u root -e 'CREATE DATABASE IF NOT EXISTS cloudalbum_legacy CHARACTER SET utf8mb4'
