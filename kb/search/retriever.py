"""kb as a LangChain retriever: `KnowledgeBase.as_retriever()` drops into any LangChain chain.

Each LangChain Document carries the passage text as `page_content` and the citation fields
(document file, title, symbol, year, paragraph, section, pages, passage id, scores) as
metadata. langchain-core is imported only here.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from kb.types import Hit


def hit_to_document(hit: Hit) -> LCDocument:
    """A LangChain Document for one hit; metadata holds every citation field and the rank."""
    meta = hit.to_dict()
    text = meta.pop("text")
    meta["rank"] = hit.rank
    meta["publisher"] = hit.document.publisher
    return LCDocument(page_content=text, metadata=meta, id=hit.passage.passage_id)


class KBRetriever(BaseRetriever):
    """A LangChain retriever over an opened KnowledgeBase."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kb: Any  # kb.search.KnowledgeBase (Any keeps pydantic from inspecting it)
    k: int = 10
    filters: Any = None  # kb.types.Filters or None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        return [hit_to_document(h) for h in self.kb.search(query, k=self.k, filters=self.filters)]
