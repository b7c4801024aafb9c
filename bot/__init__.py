"""A bilingual (Japanese/English) LINE bot for a clinic, with staff hand-off on Slack."""

__version__ = "0.1.0"
