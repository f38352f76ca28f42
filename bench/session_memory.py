#!/usr/bin/env python3
"""Drives one long rudder session and reports its memory (bench/session_memory.sh).

Usage: session_memory.py RUDDER RUDDER_MOCK [TURNS] [RESULT_BYTES]

Builds a scratch repository holding a RESULT_BYTES-byte data file, serves
a scripted model with rudder-mock, and runs rudder in stream-json mode for
TURNS user turns. Each turn: the model cats the data file with Bash (a
RESULT_BYTES tool result), then answers. The context fills, so automatic
compaction runs every few turns; the mock answers the summaries. After the
last turn, while rudder idles, it reads VmHWM (peak RSS) and VmRSS from
/proc and prints them with the turn count, the compactions seen and the
wall time, then removes its scratch directory (KEEP_BENCH_DIR=1 keeps it).
Exit status 1 when a turn fails or the peak exceeds the target.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

SUMMARY = "Write a summary of the conversation above"
TARGET_MB = 300


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def scenario(turns):
    script = []
    for step in range(turns):
        script.append({
            "when": f"bench step {step}.",
            "content": [{"type": "tool_use", "name": "Bash",
                         "input": {"command": "cat data.txt", "description": "Read the data"}}],
        })
        script.append({"when": "BENCHDATA", "content": [{"type": "text", "text": f"step {step} done"}]})
    for number in range(turns):
        script.append({"when": SUMMARY,
                       "content": [{"type": "text", "text": f"SUMMARY {number}: the user ran bench steps."}]})
    return {"turns": script}


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    # Absolute: rudder runs in the scratch repository, not here.
    rudder, mock = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    turns = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    result_bytes = int(sys.argv[4]) if len(sys.argv) > 4 else 99_000
    work = tempfile.mkdtemp(prefix="rudder-bench-")
    repo = os.path.join(work, "repo")
    home = os.path.join(work, "home")
    os.makedirs(repo)
    os.makedirs(home)
    line = "BENCHDATA 0123456789 abcdefghijklmnopqrstuvwxyz\n"
    with open(os.path.join(repo, "data.txt"), "w") as data:
        data.write((line * (result_bytes // len(line) + 1))[:result_bytes])
    scenario_path = os.path.join(work, "scenario.json")
    with open(scenario_path, "w") as out:
        json.dump(scenario(turns), out)

    server = subprocess.Popen([mock, "--scenario", scenario_path, "--forget-bodies"],
                              stdout=subprocess.PIPE, text=True)
    base_url = server.stdout.readline().split()[-1]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": home,
        "RUDDER_HOME": os.path.join(home, ".rudder"),
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_API_KEY": "bench",
        "ANTHROPIC_MODEL": "claude-sonnet-4-5",
        "BASH_MAX_OUTPUT_LENGTH": str(result_bytes + 1000),
    }
    started = time.monotonic()
    try:
        rudder_process = subprocess.Popen(
            [rudder, "--input-format", "stream-json", "--output-format", "stream-json",
             "--verbose", "--allowedTools", "Bash(cat:*)"],
            cwd=repo, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            bufsize=1)
    except OSError:
        server.terminate()
        server.wait()
        raise
    compactions = 0
    failures = 0
    samples = []
    try:
        for step in range(turns):
            message = {"type": "user", "message": {"role": "user", "content": f"bench step {step}."},
                       "parent_tool_use_id": None, "session_id": ""}
            rudder_process.stdin.write(json.dumps(message) + "\n")
            rudder_process.stdin.flush()
            while True:
                raw = rudder_process.stdout.readline()
                if not raw:
                    print(f"rudder exited during turn {step}", file=sys.stderr)
                    return 1
                record = json.loads(raw)
                if record.get("type") == "system" and record.get("subtype") == "compact_boundary":
                    compactions += 1
                if record.get("type") == "result":
                    if record.get("is_error"):
                        failures += 1
                        print(f"turn {step} failed: {record.get('errors')}", file=sys.stderr)
                    break
            if step % 50 == 49:
                samples.append((step + 1, rss_kib(rudder_process.pid, "VmRSS")))
        elapsed = time.monotonic() - started
        peak = rss_kib(rudder_process.pid, "VmHWM")
        after = rss_kib(rudder_process.pid, "VmRSS")
    finally:
        rudder_process.stdin.close()
        rudder_process.wait(timeout=60)
        server.terminate()
        server.wait()
    transcript_dir = os.path.join(home, ".rudder", "projects")
    transcript_bytes = sum(os.path.getsize(os.path.join(root, name))
                           for root, _, names in os.walk(transcript_dir) for name in names
                           if name.endswith(".jsonl"))
    print(f"turns: {turns} (tool result {result_bytes} bytes each), failed: {failures}")
    print(f"compactions: {compactions}; transcript: {transcript_bytes / 1e6:.1f} MB; wall: {elapsed:.1f} s")
    print("RSS every 50 turns (MB): " + ", ".join(f"{n}: {kib / 1024:.1f}" for n, kib in samples))
    print(f"peak RSS: {peak / 1024:.1f} MB; RSS after: {after / 1024:.1f} MB; target: <= {TARGET_MB} MB")
    if os.environ.get("KEEP_BENCH_DIR"):
        print(f"work directory kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if failures == 0 and peak <= TARGET_MB * 1024 else 1


if __name__ == "__main__":
    sys.exit(main())
