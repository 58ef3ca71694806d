"""The Python front end: the standard parser, import-aware, run only on prefiltered candidates.

``parse.extract`` is the entry point; this package imports nothing, so the
prefilter can read ``entries.TRIGGERS`` without loading the front end.
"""
