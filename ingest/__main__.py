"""`python -m ingest FOLDER [options]` is `kb ingest FOLDER [options]`."""

from __future__ import annotations

import sys

from kb.cli.main import main

sys.exit(main(["ingest", *sys.argv[1:]]))
