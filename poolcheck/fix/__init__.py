"""Autofix: findings turned into edits, written back in the file's own encoding, layout and line endings."""
