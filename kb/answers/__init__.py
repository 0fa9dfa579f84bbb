"""Stage: answers. Owns what is made from search hits: cited answers (`ask`), verbatim quotes
(`quotes`), claim verdicts (`check`), per-document comparisons (`compare`), the sentence
evidence they share (`evidence`), citations and references (`cite`), quote exports
(`export`), verification of generated text against its sources (`verify`) and the optional
chat model (`llm`). May import kb.search (for types only: hits come in through a
KnowledgeBase), kb.store, kb.embed and the root vocabulary; never kb.library or kb.cli.
"""
