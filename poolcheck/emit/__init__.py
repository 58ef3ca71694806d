"""Output formats, one emitter per module; each renders a finished report to text."""
