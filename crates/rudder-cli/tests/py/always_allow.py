"""The official Claude Agent SDK answers "always allow" once; the rule holds.

Usage: always_allow.py <rudder binary> <repo dir>
Environment: ANTHROPIC_BASE_URL (the testkit server), RUDDER_HOME, HOME.

Run 1: the model runs `touch built.txt` twice; `can_use_tool` is asked the
first time and answers allow with an `addRules` update for localSettings;
the second call must not be asked. Run 2 resumes the session (the SDK's
`resume`) and the model runs the same command: `can_use_tool` must not be
asked at all. Exits non-zero with a message on any mismatch.
"""

import asyncio
import os
import sys

from claude_agent_sdk import (
    ClaudeAgentOptions,
    ClaudeSDKClient,
    PermissionResultAllow,
    PermissionResultDeny,
    PermissionUpdate,
    ResultMessage,
)
from claude_agent_sdk.types import PermissionRuleValue


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def options(cli_path, repo, can_use_tool, resume=None):
    return ClaudeAgentOptions(
        cli_path=cli_path,
        cwd=repo,
        can_use_tool=can_use_tool,
        resume=resume,
        env={
            "ANTHROPIC_BASE_URL": os.environ["ANTHROPIC_BASE_URL"],
            "ANTHROPIC_API_KEY": "test-key",
            "RUDDER_HOME": os.environ["RUDDER_HOME"],
            "HOME": os.environ["HOME"],
        },
        stderr=lambda line: print(f"rudder stderr: {line}", file=sys.stderr),
    )


async def run(opts, prompt):
    result = None
    async with ClaudeSDKClient(options=opts) as client:
        await client.query(prompt)
        async for message in client.receive_response():
            if isinstance(message, ResultMessage):
                result = message
    if result is None or result.is_error:
        fail(f"the run failed: {result}")
    return result


async def main(cli_path, repo):
    asked = []

    async def allow_always(tool_name, tool_input, context):
        asked.append((tool_name, tool_input))
        rule = PermissionRuleValue(tool_name="Bash", rule_content=tool_input["command"])
        update = PermissionUpdate(
            type="addRules", rules=[rule], behavior="allow", destination="localSettings"
        )
        return PermissionResultAllow(updated_permissions=[update])

    first = await run(options(cli_path, repo, allow_always), "build it")
    if [name for name, _ in asked] != ["Bash"]:
        fail(f"run 1 asked {asked}, expected exactly one Bash call")

    asked_again = []

    async def must_not_ask(tool_name, tool_input, context):
        asked_again.append((tool_name, tool_input))
        return PermissionResultDeny(message="the saved rule should have allowed this")

    second = await run(
        options(cli_path, repo, must_not_ask, resume=first.session_id), "build it again"
    )
    if asked_again:
        fail(f"the resumed run asked again: {asked_again}")
    if second.result != "Built again.":
        fail(f"unexpected final text: {second.result!r}")
    print("ok")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
