"""Command families of the kb CLI: each module has `register(sub)`."""
