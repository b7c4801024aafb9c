"""Tests of the LINE and Slack channel edges against local stand-ins."""
