"""Stage: the `kb` command line. `main` is the argparse entry point (`kb`, `python -m kb`);
each command family (`ingest`, `search`, `answers`) registers its subcommands; `batch` reads
and writes the JSONL batch mode. The top of kb: may import every other stage.
"""
