"""ingest: files -> citable passages. Readers per format, cleaning, structure, chunking,
metadata and the sync pipeline that writes a kb store. `python -m ingest FOLDER`."""
