"""Stage: search. Owns finding passages for a question: `knowledge_base.KnowledgeBase` (the
hybrid search over a store), the tuning of the ranking (`ranking.Ranking`), score fusion
(`fusion`), keyword queries (`keyword`), retrieval evaluation against question files
(`evaluate`) and the LangChain retriever (`retriever`). May import kb.store, kb.embed and the
root vocabulary; never kb.answers, kb.library or kb.cli.
"""
