"""A tiny PDF writer for tests: one text line per PDF text line, Helvetica, no dependencies.

`make_pdf(path, pages)` writes a PDF whose page i shows the strings of pages[i] top to bottom
("" gives a blank line, None draws an image-like filled rectangle instead of text).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content(lines: Sequence[str] | None) -> bytes:
    if lines is None:
        return b"0.5 g 72 72 400 600 re f"
    parts = [b"BT /F1 11 Tf 14 TL 72 770 Td"]
    for line in lines:
        parts.append(b"(" + _escape(line or " ") + b") Tj T*")
    parts.append(b"ET")
    return b"\n".join(parts)


def make_pdf(path: Path, pages: Sequence[Sequence[str] | None], info: dict[str, str] | None = None) -> Path:
    """Write a minimal valid PDF (correct xref) with one content stream per page."""
    objects: list[bytes] = []
    n = len(pages)
    font_id = 3 + 2 * n
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode())
    for i, lines in enumerate(pages):
        content_id = 4 + 2 * i
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {content_id} 0 R "
                       f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode())
        stream = _content(lines)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    info_ref = b""
    if info:
        entries = " ".join(f"/{k} (" + _escape(v).decode("latin-1") + ")" for k, v in info.items())
        objects.append(f"<< {entries} >>".encode("latin-1"))
        info_ref = f" /Info {len(objects)} 0 R".encode()
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{num} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R".encode() + info_ref + f" >>\nstartxref\n{xref}\n%%EOF\n".encode()
    Path(path).write_bytes(bytes(out))
    return Path(path)
