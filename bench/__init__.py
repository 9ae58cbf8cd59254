"""Benchmarks: `python -m bench pipeline …` (see the README's Performance section)."""
