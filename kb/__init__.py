"""kb: a citable knowledge base for policy papers.

The public API (what app.py and LangChain users import) is re-exported here; heavy
libraries (torch, faiss, sentence-transformers) load only when first used.
"""

from __future__ import annotations

from kb.config import Settings
from kb.errors import KBError
from kb.types import Document, Filters, Hit, ParsedDocument, Passage

__all__ = ["Document", "Filters", "Hit", "KBError", "KnowledgeBase", "ParsedDocument", "Passage", "Settings"]


def __getattr__(name: str):
    """KnowledgeBase loads on first use, so `import kb` stays light."""
    if name == "KnowledgeBase":
        from kb.search import KnowledgeBase

        return KnowledgeBase
    raise AttributeError(f"module 'kb' has no attribute {name!r}")
