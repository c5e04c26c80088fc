#!/usr/bin/env bash
# setup.sh: install what raresynth needs on Debian 12 (as root), then build
# and install the extension into the local PostgreSQL 15.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS="postgresql-15 postgresql-server-dev-15 libopenblas-dev libxgboost-dev make gcc clang libclang-rt-14-dev valgrind gnuplot-nox fonts-dejavu-core python3-psycopg"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq $missing >/dev/null
fi

export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
make -s PG_CONFIG=$PG_CONFIG
make -s PG_CONFIG=$PG_CONFIG install >/dev/null
echo "setup: raresynth $(sed -n "s/^default_version *= *'\(.*\)'/\1/p" raresynth.control) installed into $($PG_CONFIG --pkglibdir)"
