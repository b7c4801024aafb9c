"""Command-line entry points; `python -m bot --help` lists them."""
