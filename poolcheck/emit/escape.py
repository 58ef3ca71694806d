"""Text from the scanned repository, made safe for the output it goes into.

File names, code and messages quoting code are written by whoever wrote the pull
request. Shown raw they could move a terminal's cursor or recolour it (ESC), start
a GitHub workflow command on a line of its own (a newline, then ``::error``), or
turn into links and HTML in a Markdown page. Each output escapes them here: the
JSON formats need nothing, json.dumps escapes every control character.
"""

from __future__ import annotations

import re

# C0 controls but tab, DEL, C1 controls, lone surrogates (undecodable file-name bytes), the line and
# paragraph separators, and the bidirectional overrides that make code read other than it runs
# (CVE-2021-42574).
UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")
NAMED = {"\n": "\\n", "\r": "\\r"}
# Characters Markdown or HTML could read as markup in a table cell or a line of a card.
MARKUP = re.compile(r"([\\`*_{}\[\]()#+!|~<>&-])")
ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def printable(text: str) -> str:
    r"""``text`` with control characters shown as escapes: ESC as ``\x1b``, a newline as ``\n``."""
    return UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in NAMED:
        return NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable file-name byte, as os.fsdecode keeps it: the byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def markdown_text(text: str) -> str:
    """``text`` as literal Markdown inline text: no markup, no HTML, no line breaks."""
    return MARKUP.sub(lambda m: ENTITIES.get(m.group(1), "\\" + m.group(1)), printable(text))


def json_text(document: str) -> str:
    """JSON text that is valid UTF-8: a lone surrogate (an undecodable file-name byte) as a ``\\u`` escape.

    Surrogates only occur inside JSON strings, where ``\\udce9`` is the JSON escape of the same code point.
    """
    return document.encode("utf-8", "backslashreplace").decode("utf-8")


def code_fence(code: str) -> str:
    """The backticks that open and close a fenced block of ``code``: longer than any run inside it."""
    return "`" * max(3, max((len(run) for run in re.findall("`+", code)), default=0) + 1)


# In card prose (messages quoting code): what could become a link, HTML or a code span.
PROSE_MARKUP = re.compile(r"([\\`*\[\]<>&])")


def markdown_prose(text: str) -> str:
    """A message quoting code, as Markdown prose: no links, HTML or code spans; emphasis left alone."""
    return PROSE_MARKUP.sub(lambda m: ENTITIES.get(m.group(1), "\\" + m.group(1)), printable(text))


def markdown_path(path: str) -> str:
    r"""A file name for a Markdown code span: one line, control characters escaped, a backtick as ``\x60``."""
    return printable(path).replace("`", "\\x60")


def markdown_code(text: str) -> str:
    """``text`` as one inline code span: a fence longer than any backtick run inside, one line.

    A code span shows ``<``, ``*`` or ``[`` as they are, so only the fence and line breaks matter.
    """
    shown = printable(text)
    fence = "`" * (max((len(run) for run in re.findall("`+", shown)), default=0) + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"
