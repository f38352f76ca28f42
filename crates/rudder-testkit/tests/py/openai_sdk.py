"""Drives the testkit server with the official `openai` SDK.

Usage: openai_sdk.py BASE_URL. Exits non-zero on the first mismatch.
Turns come from openai_scenario.json beside this file.
"""

import json
import sys

import openai

BASE = sys.argv[1]
TOOLS = [{"type": "function", "function": {
    "name": "Read", "description": "Read a file",
    "parameters": {"type": "object", "properties": {"file_path": {"type": "string"}}}}}]
SYSTEM = {"role": "system", "content": "You are a coding agent. " * 50}


def check(ok, what):
    if not ok:
        print(f"MISMATCH: {what}", file=sys.stderr)
        sys.exit(1)


client = openai.OpenAI(base_url=BASE + "/v1", api_key="test-key", max_retries=0)
first = [SYSTEM, {"role": "user", "content": "read two files"}]

# 1. A raw chunk stream with two tool calls and a usage chunk.
stream = client.chat.completions.create(
    model="any", messages=first, tools=TOOLS, stream=True,
    stream_options={"include_usage": True})
content, reasoning, calls, finish, usage = "", "", {}, None, None
for chunk in stream:
    check(chunk.object == "chat.completion.chunk", f"object {chunk.object}")
    check(chunk.model == "local-coder-7b", f"model {chunk.model}")
    if chunk.usage is not None:
        usage = chunk.usage
    if not chunk.choices:
        continue
    choice = chunk.choices[0]
    delta = choice.delta
    content += delta.content or ""
    reasoning += (delta.model_extra or {}).get("reasoning_content") or ""
    for call in delta.tool_calls or []:
        entry = calls.setdefault(call.index, {"id": None, "name": "", "arguments": ""})
        if call.id:
            entry["id"] = call.id
            check(call.type == "function", f"call type {call.type}")
        if call.function and call.function.name:
            entry["name"] += call.function.name
        if call.function and call.function.arguments:
            entry["arguments"] += call.function.arguments
    if choice.finish_reason:
        finish = choice.finish_reason
check(content == "Reading both files.", f"content {content!r}")
check(reasoning == "Two reads are needed.", f"reasoning {reasoning!r}")
check(finish == "tool_calls", f"finish_reason {finish}")
check(sorted(calls) == [0, 1], f"call indexes {sorted(calls)}")
check(all(call["id"].startswith("call_") and call["name"] == "Read" for call in calls.values()), f"calls {calls}")
check(json.loads(calls[1]["arguments"]) == {"file_path": "b.rs", "limit": 5}, f"arguments {calls[1]}")
check(usage is not None and usage.prompt_tokens > 300, f"usage {usage}")
check(usage.prompt_tokens_details.cached_tokens == 0, f"first request cached {usage}")
check(usage.total_tokens == usage.prompt_tokens + usage.completion_tokens, f"total {usage}")

# 2. The follow-up through the stream helper: its prefix is cached.
follow = first + [
    {"role": "assistant", "content": content, "tool_calls": [
        {"id": calls[i]["id"], "type": "function",
         "function": {"name": "Read", "arguments": calls[i]["arguments"]}} for i in (0, 1)]},
    {"role": "tool", "tool_call_id": calls[0]["id"], "content": "contents of a"},
    {"role": "tool", "tool_call_id": calls[1]["id"], "content": "contents of b"},
]
with client.chat.completions.stream(model="any", messages=follow, tools=TOOLS,
                                    stream_options={"include_usage": True}) as helper:
    for _ in helper:
        pass
    completion = helper.get_final_completion()
check(completion.choices[0].message.content == "Both files are read.", f"helper {completion}")
check(completion.choices[0].finish_reason == "stop", f"helper finish {completion.choices[0].finish_reason}")
cached = completion.usage.prompt_tokens_details.cached_tokens
check(cached > 300 and cached % 4 == 0, f"cached tokens {cached}")

# 3. A plain completion.
plain = client.chat.completions.create(model="any", messages=[{"role": "user", "content": "plain please"}])
check(plain.object == "chat.completion", f"object {plain.object}")
message = plain.choices[0].message
check(message.content == "A plain completion.", f"plain {message}")
check((message.model_extra or {}).get("reasoning_content") == "Short.", f"plain reasoning {message}")
check(plain.usage.completion_tokens == 7, f"plain usage {plain.usage}")

# 4. Errors surface as the SDK's exception types.
try:
    client.chat.completions.create(model="any", messages=[{"role": "user", "content": "rate limit me"}])
    check(False, "429 did not raise")
except openai.RateLimitError as error:
    check(error.status_code == 429, f"status {error.status_code}")
    check(error.code is None and error.type == "rate_limit_exceeded", f"type {error.type}")
    check("Rate limit reached" in error.message, f"message {error.message}")

try:
    for _ in client.chat.completions.create(
            model="any", stream=True, messages=[{"role": "user", "content": "error mid-stream"}]):
        pass
    check(False, "the stream error did not raise")
except openai.APIError as error:
    check("The model crashed" in error.message, f"stream error {error.message}")

# 5. The model list.
models = [model.id for model in client.models.list()]
check(models == ["local-coder-7b"], f"models {models}")

print("openai SDK: all checks passed")
