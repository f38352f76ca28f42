"""The official MCP SDK for Python (`mcp` on PyPI) as a client of
`rudder mcp serve`.

Usage: mcp_serve.py <rudder binary> <repo dir>
Environment: RUDDER_HOME, HOME (passed on to rudder).

Lists rudder's tools, reads a file with Read (allowed by the policy),
asks Bash to create a file (the policy would ask, so the call is refused
with the reason and nothing is created) and prints one JSON object with
what it saw. Exits non-zero with a message on any protocol failure.
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def text_of(result):
    return "".join(getattr(block, "text", "") for block in result.content)


def field(obj, *names):
    """The first attribute present (the SDK renamed camelCase fields)."""
    for name in names:
        if hasattr(obj, name):
            return getattr(obj, name)
    raise AttributeError(f"{type(obj).__name__} has none of {names}")


async def main(cli_path, repo):
    params = StdioServerParameters(
        command=cli_path,
        args=["mcp", "serve"],
        cwd=repo,
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ["HOME"],
            "RUDDER_HOME": os.environ["RUDDER_HOME"],
        },
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            listed = await session.list_tools()
            names = sorted(tool.name for tool in listed.tools)
            read_schema = next(
                field(t, "input_schema", "inputSchema") for t in listed.tools if t.name == "Read"
            )
            read_result = await session.call_tool(
                "Read", {"file_path": os.path.join(repo, "hello.txt")}
            )
            bash_result = await session.call_tool(
                "Bash", {"command": "touch created-by-mcp.txt", "description": "Create a file"}
            )
    print(
        json.dumps(
            {
                "tools": names,
                "read_required": read_schema.get("required", []),
                "read": {"is_error": field(read_result, "is_error", "isError"), "text": text_of(read_result)},
                "bash": {"is_error": field(bash_result, "is_error", "isError"), "text": text_of(bash_result)},
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    asyncio.run(main(sys.argv[1], sys.argv[2]))
