"""Drives the testkit server with the official `anthropic` SDK.

Usage: anthropic_sdk.py BASE_URL. Exits non-zero on the first mismatch.
Turns come from anthropic_scenario.yaml beside this file.
"""

import sys

import anthropic

BASE = sys.argv[1]
SYSTEM = [{"type": "text", "text": "You are a test.", "cache_control": {"type": "ephemeral"}}]


def check(ok, what):
    if not ok:
        print(f"MISMATCH: {what}", file=sys.stderr)
        sys.exit(1)


def ask(text):
    return {"model": "claude-any", "max_tokens": 1024, "system": SYSTEM,
            "messages": [{"role": "user", "content": text}]}


client = anthropic.Anthropic(base_url=BASE, api_key="test-key", max_retries=0)

# 1. Streamed text through the stream helper.
with client.messages.stream(**ask("say hello")) as stream:
    pieces = list(stream.text_stream)
    final = stream.get_final_message()
expected = "Hello from the scripted model — ünïcödé too."
check("".join(pieces) == expected, f"streamed text {pieces!r}")
check(len(pieces) >= 2, f"text came in {len(pieces)} deltas")
check(final.content[0].type == "text" and final.content[0].text == expected, f"final {final.content!r}")
check(final.stop_reason == "end_turn", f"stop_reason {final.stop_reason}")
check(final.model == "claude-testkit-1", f"model {final.model}")
check(final.id.startswith("msg_"), f"id {final.id}")
check(final.usage.output_tokens > 0, f"usage {final.usage}")
check(final.usage.cache_creation_input_tokens > 0, f"cache write {final.usage}")

# 2. Thinking, text and a tool call, watching the SDK's own events.
with client.messages.stream(**ask("please use a tool")) as stream:
    kinds = [event.type for event in stream]
    final = stream.get_final_message()
for kind in ("message_start", "content_block_start", "thinking", "signature", "text", "input_json",
             "content_block_stop", "message_delta", "message_stop"):
    check(kind in kinds, f"no {kind} event in {kinds}")
check([block.type for block in final.content] == ["thinking", "text", "tool_use"], f"blocks {final.content!r}")
check(final.content[0].thinking == "I should look at the file first.", f"thinking {final.content[0]!r}")
check(final.content[0].signature == "c2lnLTE=", f"signature {final.content[0]!r}")
tool = final.content[2]
check(tool.name == "Read" and tool.id.startswith("toolu_"), f"tool {tool!r}")
check(tool.input == {"file_path": "/src/lib.rs", "offset": 10, "limit": 20,
                     "note": "quotes \" and , : { [ inside"}, f"tool input {tool.input!r}")
check(final.stop_reason == "tool_use", f"stop_reason {final.stop_reason}")

# 3. A plain (non-streaming) create.
message = client.messages.create(**ask("plain please"))
check(message.content[0].text == "A plain answer.", f"plain {message.content!r}")
check(message.stop_reason == "end_turn", f"plain stop_reason {message.stop_reason}")
check(message.usage.input_tokens >= 0 and message.usage.output_tokens > 0, f"plain usage {message.usage}")

# 4. Errors surface as the SDK's exception types.
try:
    client.messages.create(**ask("rate limit me"))
    check(False, "429 did not raise")
except anthropic.RateLimitError as error:
    check(error.status_code == 429, f"status {error.status_code}")
    check(error.response.headers.get("retry-after") == "30", "retry-after header")
    check(error.body["error"]["type"] == "rate_limit_error", f"body {error.body}")
    check("per-minute rate limit" in error.message, f"message {error.message}")

try:
    with client.messages.stream(**ask("error mid-stream")) as stream:
        for _ in stream:
            pass
    check(False, "the stream error did not raise")
except anthropic.APIStatusError as error:
    check("Overloaded" in str(error), f"stream error {error}")

# 5. The SDK's own retry gets through a 529.
retrying = anthropic.Anthropic(base_url=BASE, api_key="test-key", max_retries=1)
message = retrying.messages.create(**ask("overload me"))
check(message.content[0].text == "Recovered after the retry.", f"after retry {message.content!r}")

# 6. The model list.
models = [model.id for model in client.models.list()]
check(models == ["claude-testkit-1"], f"models {models}")

print("anthropic SDK: all checks passed")
