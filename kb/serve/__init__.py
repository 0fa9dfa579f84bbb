"""kb as a shared service: an HTTP API (`kb serve`, FastAPI) and an MCP server (`kb mcp`) over
one knowledge base, with the same operations and JSON as the CLI's `--json`.

`service` holds what both share (one model per process, a knowledge base per worker thread,
reopened when the store's generation changes, a bounded pool and a time limit); `access` the
API keys; `api` and `mcp_server` the two front doors. Imports only kb's public stages; nothing
imports kb.serve but the CLI.
"""
