#!/usr/bin/env bash
# Memory of one long session (issue 5, USER-PAINS.md §1 and guarantee 6):
# a 500-turn scripted session whose every turn returns a 100 KB tool
# result, through the release binary against rudder-mock. Prints the peak
# RSS and the RSS after the last turn (target: peak <= 300 MB), plus RSS
# every 50 turns and the number of automatic compactions.
#
# Usage: bench/session_memory.sh [TURNS] [RESULT_BYTES]   (defaults 500, 99000)
# Needs: cargo, python3, Linux /proc. Builds in release. Not run by the tests.
set -euo pipefail

cd "$(dirname "$0")/.."
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --quiet --release --locked -p rudder-cli -p rudder-testkit
exec python3 bench/session_memory.py "$TARGET/release/rudder" "$TARGET/release/rudder-mock" "${1:-500}" "${2:-99000}"
