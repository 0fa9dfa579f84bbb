"""Errors whose messages are shown to users.

Every message names the thing, the cause and the fix, on one line. The CLI catches
``KBError`` only; anything else is a bug and shows a traceback.
"""

from __future__ import annotations


class KBError(Exception):
    """Base class: an error a user can act on; ``str(err)`` is the one-line message."""


class ConfigError(KBError):
    """A setting has a value kb cannot use."""


class StoreError(KBError):
    """The knowledge base directory is missing, damaged or was built differently."""


class StoreMismatchError(StoreError):
    """The store was built with another embedding model or passage schema."""


class IngestError(KBError):
    """One input file cannot be turned into passages (the batch goes on without it)."""


class EmptyDocumentError(IngestError):
    """The file opened but holds no extractable text (scanned image, blank, stub)."""


class UnsupportedFileError(IngestError):
    """The file type is not one kb reads."""


class EmbeddingError(KBError):
    """The embedding model cannot be loaded or run."""


class QueryError(KBError):
    """A query or filter value cannot be searched."""


class NotFoundError(KBError):
    """A passage or document id that the store does not hold."""


class LLMError(KBError):
    """The optional language model is misconfigured or did not answer."""
