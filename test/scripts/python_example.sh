#!/usr/bin/env bash
# python_example.sh: the Python (psycopg 3) example of docs/python.md runs
# as written against a fresh database with the heart table, and prints
# what the page says it does: a trained model, 5 sampled rows of the rare
# class as dicts, conditional samples, 200 rows synthesized, the improved
# view's real and synthetic counts, an overall quality score in [0, 1].
# The code is the page's ```python blocks, extracted here, so the page
# cannot rot.  Needs PGHOST/PGPORT (scripts/test.sh) and python3-psycopg
# (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/scripts/lib/heart_db.sh

code=$(awk '/^```python$/ {on = 1; next} /^```$/ {on = 0} on' docs/python.md)
[ -n "$code" ] || { echo "python_example: no \`\`\`python block in docs/python.md"; exit 1; }
PY=python3
"$PY" -c "import psycopg" 2>/dev/null || PY=/usr/bin/python3
"$PY" -c "import psycopg" 2>/dev/null || { echo "python_example: psycopg 3 is not installed (python3-psycopg)"; exit 1; }

heart_db rs_python_example
out=$(PGDATABASE=rs_python_example "$PY" -c "$code" 2>&1) || {
  echo "python_example: the example of docs/python.md failed:"; echo "$out"; exit 1; }
echo "$out"

fails=0
expect() {   # expect DESCRIPTION REGEX: some line of the output matches REGEX
  if ! grep -Eq -- "$2" <<<"$out"; then echo "python_example: FAIL: $1 (no line matches /$2/)"; fails=$((fails + 1)); fi
}
real=$(psql -X -A -t -d rs_python_example -c "SELECT count(*) FROM heart")
expect "trained heart_risk" '^trained heart_risk on [0-9]+ rows of class 1$'
expect "5 rows of class 1, every column" '^sampled 5 rows, risk = \[1\], columns: 27$'
expect "given sex is honoured" "^given sex = Female: \['Female', 'Female', 'Female'\]$"
expect "200 rows written" '^wrote 200 rows into heart_syn_py$'
expect "the improved view marks them" "^improved view: real $real, synthetic 200$"
expect "an overall score in [0, 1]" '^overall quality score (0\.[0-9]{2}|1\.00)$'
[ "$fails" -eq 0 ] || exit 1
echo "python_example: docs/python.md's example ran and printed what it promises"
