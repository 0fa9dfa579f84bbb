"""Stage: storage. Owns the persistent knowledge base: the SQLite file (documents, files,
passages, vectors, sentence vectors, FTS5 keyword index; `sqlite.Store`, split by concern into
`schema`, `generations`, `writing`, `vectors` and `reading`), the FAISS index file
(`faiss_index`), FTS5 query syntax (`fts`) and the pruning of common terms on large stores
(`common_terms`). May import only the root vocabulary (kb.types, kb.errors, kb.config,
kb.sentences); later backends live here behind the same `Store` interface.
"""
