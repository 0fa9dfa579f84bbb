"""The public API in kb/__init__.py: every exported name resolves, and `import kb` stays light."""

from __future__ import annotations

import subprocess
import sys

import kb
import kb.answers.compare  # the submodule loaded: the export of the same name must still be the function


def test_every_exported_name_resolves():
    """This test ensures that each name in kb.__all__ is importable and, for the functions,
    callable (a submodule of the same name must not shadow a function)."""
    for name in kb.__all__:
        value = getattr(kb, name)
        assert value is not None, name
        assert type(value).__name__ != "module", f"kb.{name} is a module, not the exported object"
    assert callable(kb.compare_documents)


def test_import_kb_loads_no_heavy_library():
    """This test ensures that `import kb` does not import torch, faiss or sentence-transformers."""
    code = "import sys, kb; print(sorted(m for m in ('torch', 'faiss', 'sentence_transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
