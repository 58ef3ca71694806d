"""Inline suppressions: find the comments that silence findings, drop the findings they cover.

Two spellings, in the language's own line comments (``#`` in Python, ``//`` in Rust):

- ``# poolcheck: ignore[PC001, max-lifetime-missing]`` names rules by id or name;
  a bare ``# poolcheck: ignore`` covers every rule.
- ``# noqa: PC001, PC004`` (flake8's and ruff's habit; ``// noqa: PC001`` in Rust)
  names rule ids, read as ruff reads them: codes like ``E501`` of other tools may
  stand beside ours and are left to them; a bare ``# noqa`` covers every rule but is
  never reported unused, since it may be there for another tool; ``# noqa:`` with no
  code is no suppression at all.

A comment covers a finding when it is on the finding's own line or on the first
line of the finding's pool construction, or alone on the line above either.

Comments are found by lexing, not by searching lines: Python's with the standard
``tokenize`` (its COMMENT tokens), Rust's with a small lexer that knows strings, raw
strings, char literals and nested block comments. The same words inside a string, a
block comment (``/* poolcheck: ignore */``) or a Rust doc comment (``///``, ``//!``)
suppress nothing.
"""

from __future__ import annotations

import io
import re
import tokenize
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from poolcheck.emit.escape import printable
from poolcheck.model import Finding, Pool, Suppression, UnusedSuppression
from poolcheck.rule import Rule


@dataclass(frozen=True)
class LineComment:
    """One line comment, from its comment token to the end of its line."""

    line: int
    column: int  # of the comment token, 1-based in characters
    text: str
    alone: bool  # nothing but the comment on its line


def suppression_comments(data: bytes, language: str) -> tuple[Suppression, ...]:
    """The suppression comments in a file's bytes, in source order; () for a language with none here."""
    lexer = COMMENT_LEXERS.get(language)
    if lexer is None:
        return ()
    lowered = data.lower()  # one fast copy: cheaper than a case-insensitive search for `noqa`
    last = max(lowered.rfind(b"poolcheck:"), lowered.rfind(b"noqa"))
    if last < 0:
        return ()
    token = COMMENT_TOKENS[language]
    # Nothing past the last mention can suppress, so lexing stops at its line.
    found = [
        suppression
        for comment in lexer(data, _line_of(data, last, language))
        for suppression in _directives(comment, token)
    ]
    return tuple(sorted(found, key=lambda suppression: (suppression.line, suppression.column)))


def _line_of(data: bytes, offset: int, language: str) -> int:
    """The line holding byte ``offset``, counted as the language's parser counts lines."""
    line = data.count(b"\n", 0, offset) + 1
    if language == "python":  # Python also ends a line at a lone CR; source encodings keep ASCII's bytes
        line += data.count(b"\r", 0, offset) - data.count(b"\r\n", 0, offset)
    return line


# Which comments they are


PYTHON_LINE_ENDS = re.compile(r"\r\n?")


def python_comments(data: bytes, last_line: int) -> list[LineComment]:
    """The ``#`` comments of a Python file up to ``last_line``, from the standard tokenizer.

    Past a tokenize error the comments before it are kept and the lines after it are
    read one at a time by a simpler scan, unless the error is a string that never closes.
    """
    text = PYTHON_LINE_ENDS.sub("\n", _python_text(data))  # the parser's lines; the tokenizer sees them
    lines = text.split("\n")
    found: list[LineComment] = []
    finished = 0  # the last line the tokenizer read to its end
    unclosed = 0  # a line whose string never closes, which Python 3.11 and older tokenize on past it
    try:
        with warnings.catch_warnings():  # 3.12's tokenizer warns of bad escapes on stderr: not ours to say
            warnings.simplefilter("ignore")
            for token in tokenize.generate_tokens(io.StringIO(text).readline):
                if token.start[0] > last_line:
                    return found
                if token.type == tokenize.ERRORTOKEN and token.string in ("'", '"'):
                    unclosed = token.start[0]
                elif token.type == tokenize.COMMENT and token.start[0] != unclosed:
                    row, offset = token.start
                    before = lines[row - 1][:offset]
                    found.append(LineComment(row, offset + 1, token.string, not before.strip()))
                elif token.type in (tokenize.NEWLINE, tokenize.NL):
                    finished = token.start[0]
    # SystemError: 3.12 and 3.13 raise it for some NUL bytes, wrapping the SyntaxError they meant.
    except (tokenize.TokenError, SyntaxError, ValueError, SystemError) as error:
        if _string_never_closes(error):
            return found
        resume = max(finished, found[-1].line if found else 0) + 1
        found.extend(_scanned_comments(lines, resume, min(last_line, len(lines))))
    return found


def _python_text(data: bytes) -> str:
    """The file decoded as Python decodes it (PEP 263 cookie or BOM), else as UTF-8 with replacements."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeError):  # the front end reports such a file; read what we can
        text = data.decode("utf-8", "replace")
    return text.removeprefix("\ufeff")


def _string_never_closes(error: Exception) -> bool:
    # Python 3.11 and older say "EOF in multi-line string"; 3.12 and newer "unterminated triple-quoted ...".
    message = str(error.args[0]) if error.args else ""
    return "multi-line string" in message or "triple-quoted" in message


def _scanned_comments(lines: Sequence[str], first: int, last: int) -> Iterator[LineComment]:
    """The comments of lines ``first``..``last`` (1-based), each line read alone: the fallback."""
    for row in range(first, last + 1):
        line = lines[row - 1]
        offset = _unquoted_hash(line)
        if offset >= 0:
            yield LineComment(row, offset + 1, line[offset:], not line[:offset].strip())


def _unquoted_hash(line: str) -> int:
    """Where a ``#`` outside any string literal starts on ``line``, or -1."""
    closing, index = "", 0
    while index < len(line):
        char = line[index]
        if closing:
            if char == "\\":
                index += 2
                continue
            if line.startswith(closing, index):
                index, closing = index + len(closing), ""
                continue
        elif char == "#":
            return index
        elif char in "\"'":
            closing = char * 3 if line.startswith(char * 3, index) else char
            index += len(closing)
            continue
        index += 1
    return -1


# One alternation, tried at each point the search stops: whatever opens first wins, so a `//`
# inside a string is never a comment and a `"` inside a comment never opens a string.
RUST_TOKENS = re.compile(
    r"""
      (?P<comment>//[^\n]*)
    | (?P<block>/\*)                                   # nested: closed by _block_end
    | (?<!\w)[bc]?r(?P<hashes>\#*)"                    # a raw string opens: closed by its own hashes
    | "(?:[^"\\]+|\\[\s\S]?)*"?                        # a string, escapes and all; cannot fail or backtrack
    | '(?:[^'\\\n]|\\(?:u\{[0-9a-fA-F_]{1,6}\}|x[0-9a-fA-F]{2}|[^\n]))'  # a char literal: '"', '\''
    """,  # a `'` that opens no char literal is a lifetime or a label, and is passed over
    re.VERBOSE,
)
BLOCK_DELIMITERS = re.compile(r"/\*|\*/")


def rust_comments(data: bytes, last_line: int) -> list[LineComment]:
    """The ``//`` comments of a Rust file up to ``last_line``, doc comments left out; lines end at LF."""
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    found = []
    line, counted, position = 1, 0, 0
    while (match := RUST_TOKENS.search(text, position)) is not None:
        line += text.count("\n", counted, match.start())
        counted = position = match.start()
        if line > last_line:
            break
        position = match.end()
        comment, hashes = match.group("comment"), match.group("hashes")
        if comment is not None:
            comment = comment.rstrip("\r")
            # rustc: `///` and `//!` are doc comments, but `////` is an ordinary comment again.
            if not comment.startswith("//!") and (
                not comment.startswith("///") or comment.startswith("////")
            ):
                start = text.rfind("\n", 0, match.start()) + 1
                before = text[start : match.start()]
                found.append(LineComment(line, len(before) + 1, comment, not before.strip()))
        elif match.group("block") is not None:
            position = _block_end(text, position)
        elif hashes is not None:
            close = text.find('"' + hashes, position)
            position = len(text) if close < 0 else close + 1 + len(hashes)
    return found


def _block_end(text: str, position: int) -> int:
    """Where the block comment opened just before ``position`` ends, its nested ones counted."""
    depth = 1
    for delimiter in BLOCK_DELIMITERS.finditer(text, position):
        depth += 1 if delimiter.group() == "/*" else -1
        if depth == 0:
            return delimiter.end()
    return len(text)  # never closed: the rest of the file is comment


COMMENT_LEXERS: dict[str, Callable[[bytes, int], list[LineComment]]] = {
    "python": python_comments,
    "rust": rust_comments,
}
COMMENT_TOKENS = {"python": "#", "rust": "//"}


# What a comment says


def _ignore_pattern(token: str) -> re.Pattern[str]:
    # `ignore[` with no closing bracket matches neither form, so a typo never silences every rule.
    return re.compile(
        re.escape(token)
        + r"[ \t]*poolcheck:[ \t]*ignore(?:[ \t]*\[(?P<codes>[^\]]*)\]|(?![ \t]*\[)(?![\w-]))"
    )


IGNORE = {token: _ignore_pattern(token) for token in COMMENT_TOKENS.values()}
NOQA = {token: re.compile(re.escape(token) + r"\s*(?i:noqa)") for token in COMMENT_TOKENS.values()}
NOQA_CODE = re.compile(r"[A-Z]+[0-9]+")  # ruff's and flake8's shape of a code
OUR_CODE = re.compile(r"PC[0-9]+")


def _directives(comment: LineComment, token: str) -> Iterator[Suppression]:
    """The suppressions one comment holds: any ``poolcheck: ignore``, and its first ``noqa``.

    As ruff, the ``noqa`` may follow other words: in ``# type: ignore  # noqa: PC001``
    it is the second ``#``.
    """
    for match in IGNORE[token].finditer(comment.text):
        codes: tuple[str, ...] = ()
        if match.group("codes") is not None:
            codes = tuple(code.strip() for code in match.group("codes").split(",") if code.strip())
            if not codes:  # `ignore[]` names nothing, and must not silence everything
                continue
        yield Suppression(comment.line, comment.column + match.start(), codes, comment.alone)
    noqa = NOQA[token].search(comment.text)
    if noqa is None:
        return
    written = _noqa_codes(comment.text[noqa.end() :], token)
    if written is None:
        return
    ours = tuple(code for code in written if OUR_CODE.fullmatch(code))
    if written and not ours:  # only other tools' codes: their business, not ours
        return
    yield Suppression(comment.line, comment.column + noqa.start(), ours, comment.alone, noqa=True)


def _noqa_codes(after: str, token: str) -> tuple[str, ...] | None:
    """The codes written after ``noqa``: () for a bare one, None where it is no directive at all.

    ``: PC001`` and `` : PC001`` list codes; nothing, whitespace (then any words) or
    another comment make it bare; ``:`` alone, ``PC001`` glued on or ``; PC001`` are
    none, as ruff rejects them too.
    """
    stripped = after.lstrip()
    if stripped.startswith(":"):
        return _code_list(stripped[1:], token)
    if not after or after[0].isspace() or after.startswith(token[0]):
        return ()
    return None


def _code_list(text: str, token: str) -> tuple[str, ...] | None:
    """Codes separated by commas and/or whitespace, up to the first word that is no code; None if none.

    ``PC001 the pool is tuned elsewhere`` is one code and an explanation; ``PC001abc``
    is a typo, not a list; ``PC001PC004`` is two codes squashed together.
    """
    codes, position = [], 0
    while True:
        while position < len(text) and (text[position].isspace() or text[position] == ","):
            position += 1
        code = NOQA_CODE.match(text, position)
        if code is None:
            break
        position = code.end()
        follows = text[position : position + 1]
        if follows and not (follows.isspace() or follows in (",", token[0]) or follows.isupper()):
            return None
        codes.append(code.group())
    return tuple(codes) or None


# Which findings they cover


def apply_suppressions(
    findings: Sequence[Finding],
    pools: Sequence[Pool],
    suppressions: Mapping[str, Sequence[Suppression]],
) -> tuple[list[Finding], list[UnusedSuppression]]:
    """The findings no comment covers, and the comments (or named rules) that covered nothing."""
    used: dict[tuple[str, Suppression], set[str]] = {}  # the codes that silenced something; "" for bare
    kept = []
    for finding in findings:
        silenced = False
        for suppression in suppressions.get(finding.path, ()):
            if not _covers(suppression, finding, pools):
                continue
            matched = [code for code in suppression.codes if _names(code, finding)]
            if matched or not suppression.codes:
                used.setdefault((finding.path, suppression), set()).update(matched or [""])
                silenced = True
        if not silenced:
            kept.append(finding)
    unused = []
    for path in sorted(suppressions):
        for suppression in suppressions[path]:
            silenced_by = used.get((path, suppression), set())
            if not suppression.codes and not silenced_by and not suppression.noqa:
                unused.append(UnusedSuppression(path, suppression))
            idle = tuple(code for code in suppression.codes if code not in silenced_by)
            if idle:
                unused.append(UnusedSuppression(path, suppression, idle))
    return kept, unused


def _covers(suppression: Suppression, finding: Finding, pools: Sequence[Pool]) -> bool:
    first = pools[finding.pool].site.span.line if finding.pool is not None else finding.span.line
    # A comment that shares its line with code covers that line only, never the next statement.
    return any(
        suppression.line == line or (suppression.alone and suppression.line == line - 1)
        for line in (first, finding.span.line)
    )


def _names(code: str, finding: Finding) -> bool:
    return code.upper() == finding.rule or code == finding.name


def unused_message(unused: UnusedSuppression, rules: Sequence[Rule]) -> str:
    """One ``path:line:col: ...`` line for ``--report-unused-ignores``."""
    where = f"{printable(unused.path)}:{unused.suppression.line}:{unused.suppression.column}"
    if not unused.codes:
        return f"{where}: unused suppression: no finding to ignore here"
    known = {code for rule in rules for code in (rule.id, rule.name)}
    reasons = [
        f"{code} did not fire here" if code.upper() in known or code in known else f"{code} is not a rule"
        for code in unused.codes
    ]
    return f"{where}: unused suppression: {'; '.join(reasons)}"
