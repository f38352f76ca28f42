"""The official Claude Agent SDK for Python drives rudder as its CLI.

Usage: agent_sdk.py <rudder binary> <repo dir>
Environment: ANTHROPIC_BASE_URL (the testkit server), RUDDER_HOME, HOME.

Checks, through the SDK's own parsing: the stream-json protocol (system/init,
assistant, user, result), the control protocol's `initialize`, and
`can_use_tool` permission prompts (`--permission-prompt-tool stdio`): the
Edit call is put to the callback, allowed, and really applied. Exits
non-zero with a message on any mismatch.
"""

import asyncio
import os
import sys

from claude_agent_sdk import (
    AssistantMessage,
    ClaudeAgentOptions,
    ClaudeSDKClient,
    PermissionResultAllow,
    ResultMessage,
    SystemMessage,
)


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


async def main(cli_path, repo):
    asked = []

    async def can_use_tool(tool_name, tool_input, context):
        asked.append((tool_name, tool_input, context.tool_use_id))
        return PermissionResultAllow()

    options = ClaudeAgentOptions(
        cli_path=cli_path,
        cwd=repo,
        can_use_tool=can_use_tool,
        env={
            "ANTHROPIC_BASE_URL": os.environ["ANTHROPIC_BASE_URL"],
            "ANTHROPIC_API_KEY": "test-key",
            "RUDDER_HOME": os.environ["RUDDER_HOME"],
            "HOME": os.environ["HOME"],
        },
        stderr=lambda line: print(f"rudder stderr: {line}", file=sys.stderr),
    )
    seen = []
    result = None
    async with ClaudeSDKClient(options=options) as client:
        await client.query("rename the greeting")
        async for message in client.receive_response():
            seen.append(type(message).__name__)
            if isinstance(message, ResultMessage):
                result = message

    if not seen or seen[0] != "SystemMessage":
        fail(f"the first message is not system/init: {seen}")
    if "AssistantMessage" not in seen:
        fail(f"no assistant message: {seen}")
    if result is None:
        fail(f"no result message: {seen}")
    if result.is_error or result.subtype != "success":
        fail(f"the run failed: {result}")
    if result.result != "Renamed.":
        fail(f"unexpected final text: {result.result!r}")
    if [name for name, _, _ in asked] != ["Edit"]:
        fail(f"can_use_tool was asked about {asked}, expected one Edit call")
    if not asked[0][2]:
        fail("can_use_tool got no tool_use_id")
    with open(os.path.join(repo, "hello.txt")) as handle:
        if handle.read() != "goodbye\n":
            fail("the allowed Edit was not applied")
    print("ok")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
