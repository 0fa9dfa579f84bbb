"""The `kb` command line: `python -m kb` or the `kb` console script.

Each command family lives in its own module under kb/cli/ with a `register(sub)`
function that adds its subparsers and sets `func(args) -> int`. The CLI catches `KBError`
only and prints its one-line message; anything else is a bug and shows a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from kb.errors import KBError

COMMAND_MODULES = (
    "kb.cli.ingest",
    "kb.cli.search",
    "kb.cli.answers",
    "kb.cli.serve",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kb", description="A citable knowledge base for policy papers.")
    parser.add_argument("--kb", dest="kb_dir", default=None,
                        help="knowledge base directory (default: $KB_DIR or .kb)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command family not built yet
                continue
            raise
        module.register(sub)
    for command in sub.choices.values():  # one grammar: --kb and -v before or after any command
        command.add_argument("--kb", dest="kb_dir", default=argparse.SUPPRESS,
                             help="knowledge base directory (default: $KB_DIR or .kb)")
        command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                             help="log progress details")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KBError as exc:
        print(f"kb: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kb: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
