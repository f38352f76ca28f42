#!/usr/bin/env bash
# The interactive UI's three numbers (issue 8):
#   1. frame time with 10 vs 10 000 transcript messages (must be within 20%:
#      cost follows the viewport, not the history);
#   2. time from exec to the first input prompt on screen (median of RUNS,
#      with the time tmux itself needs to show a line as a baseline);
#   3. idle CPU of the real `rudder` waiting at its prompt, over IDLE_SECS
#      (target < 0.5% of one core), with its thread wakeups per second.
#
# Usage: bench/tui.sh            (release build; PROFILE=debug to skip it)
#        IDLE_SECS=60 RUNS=9 bench/tui.sh
# Needs: cargo, tmux. Runs rudder against rudder-mock (no network, no key).
# Not run by the tests.
set -euo pipefail

cd "$(dirname "$0")/.."
PROFILE=${PROFILE:-release}
IDLE_SECS=${IDLE_SECS:-10}
RUNS=${RUNS:-5}
TARGET=${CARGO_TARGET_DIR:-target}
FLAG=(); [ "$PROFILE" = release ] && FLAG=(--release)
command -v tmux >/dev/null || { echo "tmux is not installed" >&2; exit 2; }

echo "== 1. frame time (cargo test -p rudder-tui --lib ${FLAG[*]} frame_cost -- --ignored)"
cargo test --quiet -p rudder-tui --lib "${FLAG[@]}" frame_cost -- --ignored --nocapture 2>&1 |
  grep -E '^frame'

cargo build --quiet -p rudder-cli -p rudder-testkit "${FLAG[@]}"
BIN="$(cd "$TARGET/$PROFILE" && pwd)"  # absolute: the tmux pane runs in another folder
WORK=$(mktemp -d)
SOCKET="rudder-bench-$$"
SOCKETS=()
MOCK_PID=""
cleanup() {
  for socket in "${SOCKETS[@]}"; do tmux -L "$socket" kill-server 2>/dev/null || true; done
  [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/repo" "$WORK/home"
echo 'print("hi")' > "$WORK/repo/main.py"
echo '{"turns": [{"content": [{"type": "text", "text": "Hello."}]}]}' > "$WORK/scenario.json"
"$BIN/rudder-mock" --scenario "$WORK/scenario.json" > "$WORK/mock.out" &
MOCK_PID=$!
for _ in $(seq 50); do grep -q listening "$WORK/mock.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$WORK/mock.out")

# `exec env -i … rudder` so the pane's process is rudder itself.
RUN="exec env -i PATH=$PATH HOME=$WORK/home RUDDER_HOME=$WORK/home/.rudder TERM=xterm-256color \
ANTHROPIC_BASE_URL=$URL ANTHROPIC_API_KEY=bench ANTHROPIC_MODEL=claude-sonnet-4-5 $BIN/rudder --trust"
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# start NAME COMMAND: a fresh tmux server (own socket) running COMMAND.
start() {
  SOCKET="rudder-bench-$$-$1"; SOCKETS+=("$SOCKET")
  tmux -L "$SOCKET" new-session -d -x 100 -y 30 -c "$WORK/repo" "$2"
}
# The pane is captured whole before grep reads it: with pipefail, `grep -q`
# leaving early would fail the pipe (tmux gets SIGPIPE) and loop forever.
wait_for_prompt() {
  until grep -q '│ >' <<<"$(tmux -L "$SOCKET" capture-pane -p 2>/dev/null)"; do sleep 0.002; done
}

echo "== 2. exec to first input prompt (tmux, median of $RUNS; baseline = tmux running echo)"
times=(); base=()
for run in $(seq "$RUNS"); do
  began=$(now_ms)
  start "base$run" "echo '│ >'; sleep 30"
  wait_for_prompt
  base+=($(( $(now_ms) - began )))
  tmux -L "$SOCKET" kill-server
  began=$(now_ms)
  start "run$run" "$RUN"
  wait_for_prompt
  times+=($(( $(now_ms) - began )))
  tmux -L "$SOCKET" kill-server
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
echo "first prompt: median $(median "${times[@]}") ms (runs: ${times[*]}); tmux baseline $(median "${base[@]}") ms"

echo "== 3. idle CPU over ${IDLE_SECS}s at the prompt"
start idle "$RUN"
wait_for_prompt
sleep 1
PID=$(tmux -L "$SOCKET" list-panes -F '#{pane_pid}')
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
switches() {
  cat /proc/"$PID"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'
}
HZ=$(getconf CLK_TCK)
t0=$(ticks); s0=$(switches)
sleep "$IDLE_SECS"
t1=$(ticks); s1=$(switches)
awk -v d=$((t1 - t0)) -v hz="$HZ" -v secs="$IDLE_SECS" -v w=$((s1 - s0)) 'BEGIN {
  printf "idle: %.3f%% of one core (%d ticks of 1/%d s in %d s), %.2f thread wakeups/s\n",
    100 * d / hz / secs, d, hz, secs, w / secs }'
echo "rudder pid $PID, threads $(ls /proc/"$PID"/task | wc -l), RSS $(awk '/VmRSS/ {print $2, $3}' /proc/"$PID"/status)"
