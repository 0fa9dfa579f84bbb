"""kb: a citable knowledge base for policy papers.

The public API (what app.py and LangChain users import) is re-exported here; heavy
libraries (torch, faiss, sentence-transformers) load only when first used.
"""

from __future__ import annotations

from kb.config import Settings
from kb.errors import KBError
from kb.types import Document, Filters, Hit, ParsedDocument, Passage

__all__ = ["Document", "Filters", "Hit", "KBError", "ParsedDocument", "Passage", "Settings"]
