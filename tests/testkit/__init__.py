"""Helpers shared by test folders (on pytest's pythonpath, see pyproject.toml)."""
