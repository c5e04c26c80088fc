#!/usr/bin/env bash
# docs_references.sh: README.md, docs/*.md and CHANGELOG.md name only
# things that exist.
#  - every path under src/, test/, scripts/, sql/, expected/ or docs/ (a
#    glob matches at least one file; placeholders such as <name> and build
#    outputs under build/ are skipped), every figures/... path of a doc and
#    every bare name.md;
#  - every raresynth_* word is a function of the install script, every
#    RS_* word a name in src/;
#  - every raresynth.<name> is a table, function or view of schema
#    raresynth, a raresynth.* GUC of src/raresynth.c or a file of the repo.
# First it plants one bad reference of each kind in a scratch copy and
# checks that each is reported, so the check cannot pass by matching
# nothing.  Needs no server.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

# check DIR FILE...: print each dangling reference; exit 1 if any
check() {
  local dir=$1; shift
  local bad=0 f ref
  local functions gucs
  functions=$(grep -ohE 'CREATE (OR REPLACE )?FUNCTION (raresynth\.)?[a-z0-9_]+' "$dir"/sql/raresynth--*.sql |
              awk '{print $NF}' | sort -u)
  functions=$(printf '%s\n' "$functions"; grep -ohE 'CREATE ((OR REPLACE )?VIEW|TABLE) raresynth\.[a-z0-9_]+' "$dir"/sql/raresynth--*.sql |
              awk '{print $NF}' | sort -u)
  gucs=$(grep -ohE 'DefineCustom[A-Za-z]+Variable\("raresynth\.[a-z0-9_]+"' "$dir"/src/*.c |
         sed 's/.*("//; s/"$//' | sort -u)
  for f in "$@"; do
    # paths
    while IFS= read -r ref; do
      case $ref in *'<'*|*'{'*|*/build/*) continue ;; esac
      local base=$dir
      case $ref in figures/*) base=$dir/docs ;; esac
      if ! compgen -G "$base/$ref" >/dev/null; then
        echo "  $f: no such file: $ref"; bad=1
      fi
    done < <(grep -ohE '(^|[^A-Za-z0-9_./-])(src|test|scripts|sql|expected|docs|figures)/[A-Za-z0-9_.*/<>{}-]*[A-Za-z0-9_*]' "$dir/$f" |
             sed -E 's/^[^a-z]//' | sort -u)
    # bare doc names
    while IFS= read -r ref; do
      [ -e "$dir/docs/$ref" ] || [ -e "$dir/$ref" ] || { echo "  $f: no such doc: $ref"; bad=1; }
    done < <(grep -ohE '(^|[^A-Za-z0-9_./-])[A-Za-z][A-Za-z0-9_-]*\.md\b' "$dir/$f" | sed -E 's/^[^A-Za-z]//' | sort -u)
    # SQL functions
    while IFS= read -r ref; do
      grep -qxF "$ref" <<<"$functions" || { echo "  $f: no such function: $ref"; bad=1; }
    done < <(grep -ohE '\braresynth_[a-z0-9_]+' "$dir/$f" | sort -u)
    # RS_* constants of the code
    while IFS= read -r ref; do
      grep -rqw -- "$ref" "$dir/src" || { echo "  $f: no such constant in src/: $ref"; bad=1; }
    done < <(grep -ohE '\bRS_[A-Z0-9_]+\b' "$dir/$f" | sort -u)
    # raresynth.<name>
    while IFS= read -r ref; do
      case $ref in raresynth.models|raresynth.c|raresynth.h|raresynth.control) continue ;; esac
      grep -qxF "$ref" <<<"$functions" || grep -qxF "$ref" <<<"$gucs" ||
        { echo "  $f: no such function, setting or file: $ref"; bad=1; }
    done < <(grep -ohE '\braresynth\.[a-z_][a-z0-9_]*' "$dir/$f" | sort -u)
  done
  return $bad
}

docs=(README.md docs/*.md CHANGELOG.md)

# the check itself: each planted reference must be reported
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/docs" "$scratch/sql"
cp sql/raresynth--*.sql "$scratch/sql/"
cp -r src "$scratch/src"
cp -r docs/figures "$scratch/docs/" 2>/dev/null || true
cat > "$scratch/docs/planted.md" <<'EOF'
See `docs/settings.md`, src/core/nothing.c and design-card.md; call
raresynth_nothing() or SET raresynth.nothing = 1; figures/nothing.png;
RS_NOTHING_MAX.
EOF
out=$(check "$scratch" docs/planted.md || true)
missed=0
for want in docs/settings.md src/core/nothing.c design-card.md raresynth_nothing raresynth.nothing figures/nothing.png RS_NOTHING_MAX; do
  grep -qF -- "$want" <<<"$out" || { echo "the check misses a dangling reference: $want"; missed=1; }
done
[ $missed = 0 ] || exit 1

if ! check "$root" "${docs[@]}"; then
  echo "docs_references: dangling references above"
  exit 1
fi
echo "docs_references: every path, doc, function and setting named in README.md, docs/*.md and CHANGELOG.md exists"
