"""Batch mode: read questions from JSONL, write one JSON line per result."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from kb.errors import KBError


def read_batch(path: Path) -> list[tuple[str, str]]:
    """(id, question) pairs from a JSONL file whose lines carry `id` and `question`;
    blank lines are skipped, anything else is a KBError naming the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is allowed
    except OSError as exc:
        raise KBError(f"cannot read batch file {str(path)!r} ({exc.strerror}); check the path") from None
    except UnicodeDecodeError:
        raise KBError(f"batch file {str(path)!r} is not UTF-8 text; save it as UTF-8 JSON lines") from None
    out: list[tuple[str, str]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise KBError(f"{path}:{n}: not valid JSON ({exc.msg}); write one JSON object per line") from None
        except RecursionError:
            raise KBError(f"{path}:{n}: JSON nested too deeply to read; write one flat JSON object per line") from None
        if not isinstance(obj, dict) or "id" not in obj or not isinstance(obj.get("question"), str):
            raise KBError(f'{path}:{n}: a batch line needs "id" and a text "question", '
                          f'e.g. {{"id": "q1", "question": "..."}}')
        out.append((str(obj["id"]), obj["question"]))
    return out


def write_jsonl(rows: Iterable[dict], out: IO[str] | None = None) -> None:
    """One compact JSON object per line (non-ASCII kept as is)."""
    out = out or sys.stdout
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()
