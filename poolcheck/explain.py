"""``--explain`` and ``--list-rules``: rule documentation rendered from the definitions."""

from __future__ import annotations

import json

from poolcheck.libraries import LIBRARIES
from poolcheck.rule import Rule


def explanation(rule: Rule) -> str:
    """The ruff-style page: what it does, why, example, use instead, options, references."""
    parts = [
        f"# {rule.id} {rule.name} ({rule.priority})",
        f"## What it does\n{rule.summary}",
        f"## Why is this bad?\n{rule.why}",
    ]
    for example in rule.examples:
        fence = LIBRARIES[example.library].language
        # A system example's code sits among other files (compose, config): show them first.
        around = "".join(
            f"`{path}`:\n```{_fence(path)}\n{text.strip()}\n```\n\n" for path, text in example.files
        )
        code = f"`{example.path}`:\n" if example.path else ""
        parts.append(f"## Example ({example.library})\n{around}{code}```{fence}\n{example.bad.strip()}\n```")
        parts.append(f"## Use instead ({example.library})\n{code}```{fence}\n{example.good.strip()}\n```")
    parts.append(f"## Fix\n{rule.fix}")
    if rule.options:
        parts.append(
            "## Options\n"
            + "\n".join(f"- `{o.name}` (default {o.default:g}): {o.help}" for o in rule.options)
        )
    if rule.references:
        parts.append("## References\n" + "\n".join(f"- [{t}]({u})" for t, u in rule.references))
    return "\n\n".join(parts) + "\n"


def _fence(path: str) -> str:
    return {"yml": "yaml", "yaml": "yaml", "sql": "sql", "conf": "ini"}.get(path.rsplit(".", 1)[-1], "")


def rule_list(rules: tuple[Rule, ...]) -> str:
    width = max(len(r.name) for r in rules)
    return "\n".join(f"{r.id}  {r.name.ljust(width)}  {r.priority}  {r.summary}" for r in rules) + "\n"


def explanation_json(rule: Rule) -> str:
    """``--explain RULE --output-format json``: ruff's keys, with the page as markdown in ``explanation``."""
    return json.dumps(_rule_record(rule) | {"explanation": explanation(rule)}, indent=2) + "\n"


def rule_list_json(rules: tuple[Rule, ...]) -> str:
    """``--list-rules --output-format json``: one object per rule."""
    return json.dumps([_rule_record(rule) for rule in rules], indent=2) + "\n"


def _rule_record(rule: Rule) -> dict[str, object]:
    return {
        "code": rule.id,
        "name": rule.name,
        "priority": rule.priority,
        "summary": rule.summary,
        "tags": list(rule.tags),
        "libraries": sorted({example.library for example in rule.examples}),
        "options": [{"name": o.name, "default": o.default, "help": o.help} for o in rule.options],
    }
