"""The project: what the repository's own files say about the values its code reads."""
