#!/usr/bin/env bash
# Issue 2 benchmark: `rudder --version`, and a scripted 5-step headless task
# (grep, read, edit, run the test, answer) against the testkit's
# `rudder-mock`, next to the real Claude Code when it is installed.
#
# Usage: bench/headless_vs_claude.sh            (RUNS=5 VERSION_RUNS=20;
#        PROFILE=debug checks the script quickly; numbers need release)
#   CLAUDE_BIN=/path/to/claude   the peer (default: `claude` on PATH, else
#                                /tmp/peers/claude/bin/claude, installed with
#                                `npm install -g --prefix /tmp/peers/claude @anthropic-ai/claude-code`)
# Prints medians of wall time (ns clock) and peak RSS (/usr/bin/time %M), and
# the ratios. Both tools get the same scenario, a fresh HOME and
# --dangerously-skip-permissions (IS_SANDBOX=1, as root needs for both).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-5}
version_runs=${VERSION_RUNS:-20}
work=$(mktemp -d /tmp/rudder-bench.XXXXXX)
trap 'rm -rf "$work"; [ -n "${mock_pid:-}" ] && kill "$mock_pid" 2>/dev/null || true' EXIT

profile=${PROFILE:-release}
echo "== building $profile binaries"
(cd "$root" && cargo build --profile "$([ "$profile" = debug ] && echo dev || echo "$profile")" --locked -q -p rudder-cli -p rudder-testkit)
target=${CARGO_TARGET_DIR:-$root/target}
rudder=$target/$profile/rudder
mock=$target/$profile/rudder-mock
claude=${CLAUDE_BIN:-$(command -v claude || echo /tmp/peers/claude/bin/claude)}
[ -x "$claude" ] || claude=""

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# Runs "$@" once; prints "wall_seconds peak_rss_kb". Wall time from a
# nanosecond clock (/usr/bin/time's %e only resolves 10 ms), peak RSS from
# /usr/bin/time's %M.
measure() {
  local start end
  start=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$work/time" "$@" >"$work/stdout" 2>"$work/stderr" || {
    echo "run failed: $*" >&2; tail -5 "$work/stderr" >&2; return 1; }
  end=$(date +%s%N)
  awk -v ns=$((end - start)) -v kb="$(cat "$work/time")" 'BEGIN {printf "%.3f %d\n", ns / 1e9, kb}'
}

# Mean wall time of one `"$@"` over $version_runs runs, in milliseconds
# (a nanosecond clock around the loop: /usr/bin/time only resolves 10 ms).
version_bench() {
  "$@" >/dev/null
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$version_runs"); do "$@" >/dev/null; done
  end=$(date +%s%N)
  awk -v ns=$((end - start)) -v n="$version_runs" 'BEGIN {printf "%.2f", ns / n / 1e6}'
}

# A fresh repository with a failing test, and the scenario that fixes it.
prepare() {
  rm -rf "$work/repo" "$work/home" && mkdir -p "$work/repo" "$work/home"
  printf 'def add(a, b):\n    return a - b\n' >"$work/repo/calc.py"
  printf 'from calc import add\n\nassert add(2, 3) == 5\nprint("ok")\n' >"$work/repo/test_calc.py"
  git -C "$work/repo" init -q && git -C "$work/repo" add -A &&
    git -C "$work/repo" -c user.name=b -c user.email=b@b commit -qm init
  local repo=$work/repo
  # The interpreter's real path: a version-manager shim (pyenv's costs
  # ~50 ms of shell scripts per call) would add the same fixed cost to both
  # tools and hide the difference this measures.
  local python
  python=$(python3 -c 'import sys; print(sys.executable)')
  cat >"$work/scenario.json" <<JSON
{"turns": [
 {"content": [{"type": "text", "text": "Looking for add."},
   {"type": "tool_use", "name": "Bash", "input": {"command": "grep -n 'def add' $repo/calc.py", "description": "Find add"}}]},
 {"when": "def add", "content": [{"type": "tool_use", "name": "Read", "input": {"file_path": "$repo/calc.py"}}]},
 {"when": "return a - b", "content": [{"type": "tool_use", "name": "Edit", "input": {"file_path": "$repo/calc.py", "old_string": "return a - b", "new_string": "return a + b"}}]},
 {"content": [{"type": "tool_use", "name": "Bash", "input": {"command": "cd $repo && $python test_calc.py", "description": "Run the test"}}]},
 {"when": "ok", "content": [{"type": "text", "text": "Fixed add: it subtracted. The test passes."}]}
]}
JSON
  "$mock" --scenario "$work/scenario.json" >"$work/mock.out" &
  mock_pid=$!
  for _ in $(seq 50); do grep -q listening "$work/mock.out" 2>/dev/null && break; sleep 0.1; done
  base_url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/mock.out")
}

finish() {
  grep -q 'return a + b' "$work/repo/calc.py" || { echo "the task was not done" >&2; exit 1; }
  kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; mock_pid=""
}

task_bench() { # name, command...
  local name=$1; shift
  : >"$work/$name.runs"
  for _ in $(seq "$runs"); do
    prepare
    (cd "$work/repo" && measure env -i PATH="$PATH" HOME="$work/home" RUDDER_HOME="$work/home/.rudder" \
      ANTHROPIC_BASE_URL="$base_url" ANTHROPIC_API_KEY=test IS_SANDBOX=1 \
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_TELEMETRY=1 \
      "$@" -p "fix the failing test" --output-format stream-json --verbose \
      --dangerously-skip-permissions) >>"$work/$name.runs"
    finish
  done
  echo "$(awk '{print $1}' "$work/$name.runs" | median) $(awk '{print $2}' "$work/$name.runs" | median)"
}

echo "== --version (mean of $version_runs runs)"
rv=$(version_bench "$rudder" --version)
echo "rudder: $rv ms"
if [ -n "$claude" ]; then
  cv=$(version_bench "$claude" --version)
  echo "claude: $cv ms   ratio rudder/claude: $(awk -v a="$rv" -v b="$cv" 'BEGIN {printf "%.4f (1/%.0f)", a / b, b / a}')"
fi

echo "== 5-step headless task ($runs runs, median wall s and peak RSS kB)"
read -r rw rm <<<"$(task_bench rudder "$rudder")"
echo "rudder: ${rw} s, ${rm} kB"
if [ -n "$claude" ]; then
  read -r cw cm <<<"$(task_bench claude "$claude")"
  echo "claude: ${cw} s, ${cm} kB"
  awk -v rw="$rw" -v cw="$cw" -v rm="$rm" -v cm="$cm" \
    'BEGIN {printf "ratio rudder/claude: wall %.3f, RSS %.3f\n", rw/cw, rm/cm}'
else
  echo "(Claude Code not found: set CLAUDE_BIN to compare)"
fi
