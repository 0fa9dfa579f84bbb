"""Stage: library operations for API users and the app: sync a folder, add uploaded files,
remove a document (`manage`). The only place kb reaches ingest/ is `seam`, which imports
ingest's pipeline when called. May import kb.answers, kb.search, kb.store, kb.embed and the
root vocabulary; never kb.cli.
"""
