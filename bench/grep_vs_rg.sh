#!/usr/bin/env bash
# Grep tool (ripgrep's crates in-process, through rudder's Grep tool) vs the
# `rg` binary on one large tree: checks both find the same matches and
# prints wall-clock times and their ratio (target: rudder ≤ 1.1 × rg).
#
# Usage: bench/grep_vs_rg.sh [TREE] [RUNS]
#   TREE  directory to search; default: a tree of ≥ 100 000 files made of
#         hard-linked copies of the Cargo registry sources (no extra disk).
#   RUNS  runs per measurement, best time kept (default 5).
# Needs: rg, cargo. Builds the example in release. Not run by the tests.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${2:-5}
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --quiet --release -p rudder-tools --example grep_bench
BENCH="$TARGET/release/examples/grep_bench"
command -v rg >/dev/null || { echo "rg is not installed (apt-get install ripgrep)" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TREE=${1:-}
if [ -z "$TREE" ]; then
  REGISTRY=$(ls -d "$HOME"/.cargo/registry/src/*/ | head -1)
  TREE="$WORK/tree"
  mkdir -p "$TREE"
  copy=0
  while [ "$(find "$TREE" -type f | wc -l)" -lt 100000 ]; do
    copy=$((copy + 1))
    cp -al "$REGISTRY" "$TREE/copy$copy"
  done
fi
TREE=$(cd "$TREE" && pwd -P)
FILES=$(find "$TREE" -type f | wc -l)
echo "tree: $TREE ($FILES files, $(du -sh "$TREE" | cut -f1) on disk)"
echo "rg: $(rg --version | head -1); runs per measurement: $RUNS (best kept)"

# The same rules as the Grep tool: hidden files searched, VCS directories
# skipped, .gitignore honoured inside git repositories.
RG=(rg --hidden --glob '!.git' --glob '!.svn' --glob '!.hg' --glob '!.bzr' --glob '!.jj' --glob '!.sl')

# best_ms CMD...: the best wall-clock time of RUNS runs, in ms.
best_ms() {
  local best=""
  for _ in $(seq "$RUNS"); do
    local start end
    start=$(date +%s%N)
    "$@" > /dev/null || true
    end=$(date +%s%N)
    local ms=$(( (end - start) / 1000000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  echo "$best"
}

status=0
printf '%-32s %-6s %8s %9s %9s %7s\n' pattern mode matches "rg ms" "rudder ms" ratio
for pattern in 'tokio::spawn' 'fn [a-z_]+_mut\(' 'unsafe impl.*Send' 'TODO|FIXME'; do
  for mode in files count; do
    if [ "$mode" = files ]; then flag=(-l); else flag=(--count); fi
    "${RG[@]}" "${flag[@]}" -- "$pattern" "$TREE" | sort > "$WORK/rg.out" || true
    "$BENCH" "$mode" "$pattern" "$TREE" | sort > "$WORK/ours.out"
    if ! cmp -s "$WORK/rg.out" "$WORK/ours.out"; then
      echo "DIFFERENT results for $pattern ($mode):" >&2
      diff "$WORK/rg.out" "$WORK/ours.out" | head -20 >&2
      status=1
    fi
    rg_ms=$(best_ms "${RG[@]}" "${flag[@]}" -- "$pattern" "$TREE")
    our_ms=$(best_ms "$BENCH" "$mode" "$pattern" "$TREE")
    ratio=$(awk -v a="$our_ms" -v b="$rg_ms" 'BEGIN { if (b == 0) b = 1; printf "%.2f", a / b }')
    printf '%-32s %-6s %8s %9s %9s %7s\n' "$pattern" "$mode" "$(wc -l < "$WORK/ours.out")" "$rg_ms" "$our_ms" "${ratio}x"
  done
done
exit $status
