"""Subagent types defined through the official Claude Agent SDK for Python
reach rudder, and its `initialize` answer lists commands and agents.

Usage: agent_sdk_subagents.py <rudder binary> <repo dir>
Environment: ANTHROPIC_BASE_URL (the testkit server), RUDDER_HOME, HOME.

Checks, through the SDK's own parsing: `get_server_info()` lists the
built-in and project slash commands and the agent types (the SDK's own
included); a Task call starts the SDK-defined agent, whose messages come
back with `parent_tool_use_id` set; the run ends with the parent's answer.
Exits non-zero with a message on any mismatch.
"""

import asyncio
import os
import sys

from claude_agent_sdk import (
    AgentDefinition,
    AssistantMessage,
    ClaudeAgentOptions,
    ClaudeSDKClient,
    ResultMessage,
)


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


async def main(cli_path, repo):
    options = ClaudeAgentOptions(
        cli_path=cli_path,
        cwd=repo,
        agents={
            "greeter": AgentDefinition(
                description="Greets people by name",
                prompt="You greet people.",
                tools=["Read"],
                model="haiku",
            )
        },
        env={
            "ANTHROPIC_BASE_URL": os.environ["ANTHROPIC_BASE_URL"],
            "ANTHROPIC_API_KEY": "test-key",
            "RUDDER_HOME": os.environ["RUDDER_HOME"],
            "HOME": os.environ["HOME"],
        },
        stderr=lambda line: print(f"rudder stderr: {line}", file=sys.stderr),
    )
    from_subagent = []
    result = None
    async with ClaudeSDKClient(options=options) as client:
        info = await client.get_server_info()
        if not info:
            fail("no initialize answer")
        commands = {command["name"] for command in info.get("commands", [])}
        for name in ("cost", "context", "changes"):
            if name not in commands:
                fail(f"/{name} is not listed in initialize commands: {sorted(commands)}")
        agents = {agent["name"]: agent for agent in info.get("agents", [])}
        for name in ("greeter", "Explore", "general-purpose"):
            if name not in agents:
                fail(f"{name} is not listed in initialize agents: {sorted(agents)}")
        if agents["greeter"].get("model") != "haiku":
            fail(f"the SDK agent's model is not listed: {agents['greeter']}")
        if info.get("output_style") != "default":
            fail(f"unexpected output style: {info.get('output_style')!r}")

        await client.query("delegate the greeting")
        async for message in client.receive_response():
            if isinstance(message, AssistantMessage) and message.parent_tool_use_id:
                from_subagent.append(message)
            if isinstance(message, ResultMessage):
                result = message

    if result is None or result.is_error:
        fail(f"the run failed: {result}")
    if result.result != "Greeted.":
        fail(f"unexpected final text: {result.result!r}")
    if not from_subagent:
        fail("no assistant message carried the Task call's parent_tool_use_id")
    print("ok")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
