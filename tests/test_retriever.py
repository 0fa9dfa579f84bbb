"""kb as a LangChain retriever."""

from __future__ import annotations

from langchain_core.retrievers import BaseRetriever
from search_store import BEES, build, open_kb

from kb.types import Filters


def test_as_retriever_returns_langchain_documents_with_citations(tmp_path):
    """This test ensures that the retriever is a BaseRetriever whose Documents carry the citation fields."""
    with open_kb(build(tmp_path / "kb")) as kb:
        retriever = kb.as_retriever(k=2)
        assert isinstance(retriever, BaseRetriever)
        docs = retriever.invoke("kerbs reduce cyclist injuries")
        assert len(docs) == 2
        meta = docs[0].metadata
        for key in ("passage_id", "doc_file", "title", "symbol", "year", "para", "page", "page_label",
                    "section", "score", "rank"):
            assert key in meta, key
        assert meta["para"] == "1" and "kerbs" in docs[0].page_content


def test_retriever_applies_filters(tmp_path):
    """This test ensures that filters given to as_retriever restrict the Documents."""
    with open_kb(build(tmp_path / "kb")) as kb:
        docs = kb.as_retriever(k=5, filters=Filters(docs=(BEES.file,))).invoke("cycling lanes bees")
        assert docs and {d.metadata["doc_file"] for d in docs} == {BEES.file}
