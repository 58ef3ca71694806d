"""Inline suppressions: find ``poolcheck: ignore`` comments in a file's bytes, drop the findings they cover.

A comment covers a finding when it is on the finding's own line or on the first
line of the finding's pool construction, or alone on the line above either.
``# poolcheck: ignore[PC001, PC004]`` names rules (ids or names); a bare
``# poolcheck: ignore`` covers every rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from poolcheck.model import Finding, Pool, Suppression, UnusedSuppression
from poolcheck.rule import Rule


def _comment_pattern(token: bytes) -> re.Pattern[bytes]:
    # `ignore[` with no closing bracket matches neither form, so a typo never silences every rule.
    return re.compile(
        token + rb"[ \t]*poolcheck:[ \t]*ignore"
        rb"(?:[ \t]*\[(?P<codes>[^\]\r\n]*)\]|(?![ \t]*\[)(?![\w-]))"
    )


# Only the language's own comment token counts; Rust doc comments (/// and //!) document, not suppress.
COMMENTS = {
    "python": _comment_pattern(rb"#"),
    "rust": _comment_pattern(rb"(?<!/)//(?![/!])"),
}
QUOTES = {"python": "\"'", "rust": '"'}


def suppression_comments(data: bytes, language: str) -> tuple[Suppression, ...]:
    """The suppression comments in a file's bytes; only the lines holding one are decoded."""
    pattern = COMMENTS.get(language)
    if pattern is None or b"poolcheck:" not in data:
        return ()
    found = []
    for match in pattern.finditer(data):
        line_start = data.rfind(b"\n", 0, match.start()) + 1
        before = data[line_start : match.start()].decode("utf-8", "replace").lstrip("\ufeff")
        if _inside_string(before, language):
            continue
        codes: tuple[str, ...] = ()
        if match.group("codes") is not None:
            written = match.group("codes").decode("ascii", "replace")
            codes = tuple(code.strip() for code in written.split(",") if code.strip())
            if not codes:  # `ignore[]` names nothing, and must not silence everything
                continue
        found.append(
            Suppression(
                line=data.count(b"\n", 0, match.start()) + 1,
                column=len(before) + 1,
                codes=codes,
                alone=not before.strip(),
            )
        )
    return tuple(found)


def _inside_string(text: str, language: str) -> bool:
    """Whether ``text`` (a line up to the comment token) leaves a string literal open."""
    quotes, closing, index = QUOTES[language], "", 0
    while index < len(text):
        char = text[index]
        if closing:
            if char == "\\":
                index += 2
                continue
            if text.startswith(closing, index):
                index, closing = index + len(closing), ""
                continue
        elif char in quotes:
            triple = language == "python" and text.startswith(char * 3, index)
            closing = char * 3 if triple else char
            index += len(closing)
            continue
        index += 1
    return bool(closing)


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
            if not suppression.codes and not silenced_by:
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
    where = f"{unused.path}:{unused.suppression.line}:{unused.suppression.column}"
    if not unused.codes:
        return f"{where}: unused suppression: no finding to ignore here"
    known = {code for rule in rules for code in (rule.id, rule.name)}
    reasons = [
        f"{code} did not fire here" if code.upper() in known or code in known else f"{code} is not a rule"
        for code in unused.codes
    ]
    return f"{where}: unused suppression: {'; '.join(reasons)}"
