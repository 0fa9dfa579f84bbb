"""Files skipped before: remembered by their bytes, so an unchanged bad file costs nothing on the
next run, and tried again when what made it fail may have changed (a longer time limit, OCR
installed or switched on)."""

from __future__ import annotations

import json

from kb.config import Settings
from kb.store.backend import Backend

SKIP_KEY = "skipped:"  # meta key prefix: a file skipped before, with its hash and reason


def ocr_state(settings: Settings) -> str:
    """Whether scans can be read now ('auto/True'): a scan skipped without OCR is retried once it can."""
    from ingest import ocr

    return f"{settings.ocr}/{settings.ocr != 'off' and ocr.available()}"


def remembered_skip(store: Backend, file_timeout: float, key: str, sha: str, ocr_now: str | None = None) -> str | None:
    """The reason a file with these exact bytes was skipped before (not retried), if any."""
    raw = store.get_meta(SKIP_KEY + key)
    if not raw:
        return None
    rec = json.loads(raw)
    if rec.get("sha256") != sha:
        return None
    if rec.get("timeout") is not None and file_timeout > rec["timeout"]:
        return None  # a longer time limit now: try again
    if ocr_now is not None and rec.get("ocr", ocr_now) != ocr_now:
        return None  # OCR installed, or switched on or off, since: try again
    return rec["reason"]
