"""Retention: raw checks and rollups older than they are kept for are deleted."""
