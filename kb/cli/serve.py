"""`kb serve` (the HTTP API) and `kb mcp` (the MCP server) over one knowledge base."""

from __future__ import annotations

import argparse
import json
import os
import sys

from kb.errors import ConfigError

LOCALHOST = "127.0.0.1"


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("serve", help="serve the knowledge base over HTTP (REST API with an OpenAPI schema)",
                       description="An HTTP API with the CLI's operations and JSON. Bound to 127.0.0.1 unless "
                                   "--host says otherwise; API keys from KB_API_KEYS / KB_API_KEYS_FILE.")
    s.add_argument("--host", default=LOCALHOST, help="address to listen on (default 127.0.0.1: this machine only)")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--workers", type=int, default=4, help="worker threads answering requests, per process (default 4)")
    s.add_argument("--processes", type=int, default=1,
                   help="server processes, each with its own model and threads (default 1; 2 uses both cores "
                        "of a 2-core machine under load)")
    s.add_argument("--timeout", type=float, default=60.0, help="seconds a request may take (default 60)")
    s.add_argument("--cors-origin", action="append", default=[], metavar="URL",
                   help="allow browser pages from this origin (CORS is off by default); repeat for several")
    s.add_argument("--max-upload-mb", type=float, default=50.0, help="largest uploaded file (default 50)")
    s.set_defaults(func=run_serve)

    m = sub.add_parser("mcp", help="serve the knowledge base to AI assistants over MCP (stdio or HTTP)",
                       description="An MCP server with the tools search, ask, quote, check and compare; every "
                                   "passage comes with its full reference.")
    m.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    m.add_argument("--host", default=LOCALHOST)
    m.add_argument("--port", type=int, default=8766)
    m.set_defaults(func=run_mcp)


def _settings(args: argparse.Namespace):
    from kb.config import Settings
    from kb.store.backend import stored_manifest

    settings = Settings.load(kb_dir=getattr(args, "kb_dir", None))
    if stored_manifest(settings) is None:
        raise ConfigError(f'no knowledge base at "{settings.kb_path}"; build one with `kb ingest FOLDER --kb '
                          f'{settings.kb_path}` first')
    return settings


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from kb.serve.access import Keys
    from kb.serve.api import OPTIONS_ENV, create_app

    settings = _settings(args)
    keys = Keys.load(settings.api_keys, settings.api_keys_file)
    if args.workers < 1 or args.processes < 1 or args.timeout <= 0 or args.max_upload_mb <= 0:
        raise ConfigError("--workers, --processes, --timeout and --max-upload-mb must be positive")
    options = {"workers": args.workers, "timeout": args.timeout, "cors_origins": list(args.cors_origin),
               "max_upload_bytes": int(args.max_upload_mb * 1024 * 1024)}
    if not keys.enabled:
        print("kb serve: no API keys set: reads are open to whoever reaches the address, writes are refused "
              "(set KB_API_KEYS=rw:KEY,ro:KEY)", file=sys.stderr)
    print(f"kb serve: http://{args.host}:{args.port} (OpenAPI at /docs) over {settings.kb_path}", file=sys.stderr)
    if args.processes == 1:
        options["cors_origins"] = tuple(options["cors_origins"])
        uvicorn.run(create_app(settings, keys, **options), host=args.host, port=args.port, log_level="warning")
        return 0
    # several processes: each builds its own app from the environment (uvicorn spawns them)
    os.environ["KB_DIR"] = str(settings.kb_path)
    os.environ[OPTIONS_ENV] = json.dumps(options)
    uvicorn.run("kb.serve.api:from_environment", factory=True, workers=args.processes, host=args.host,
                port=args.port, log_level="warning")
    return 0


def run_mcp(args: argparse.Namespace) -> int:
    from kb.serve.mcp_server import build

    server = build(_settings(args))
    if args.transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host=args.host, port=args.port)
    return 0
