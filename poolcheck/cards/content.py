"""Build the cards from a report: each card's words come from the rule definitions, the pool's
effective settings and the library tables; nothing is a placeholder.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import PurePath
from typing import Literal

from poolcheck import __version__
from poolcheck.capacity.load import declared_load
from poolcheck.cards.capacity import Advice, advice, budget_of, production_code
from poolcheck.cards.impact import impact as impact_of
from poolcheck.cards.impact import server_for
from poolcheck.cards.model import Card, Section
from poolcheck.cards.recommend import (
    Target,
    concept_rank,
    finding_concept,
    fix_words,
    library_of,
    shared_knob,
    shared_words,
    targets,
)
from poolcheck.cards.rewrite import as_written
from poolcheck.cards.solutions import LANGUAGES, Solution, solutions
from poolcheck.cards.spelling import assignments
from poolcheck.check import all_rules, construction_fingerprints
from poolcheck.describe import provenance, quantity, value_words
from poolcheck.emit.escape import code_fence, markdown_code, markdown_path, markdown_prose
from poolcheck.libraries import LIBRARIES
from poolcheck.model import PRIORITIES, Finding, Pool, Report, Setting
from poolcheck.rule import Rule, amount
from poolcheck.variants import variant_pools

CardPer = Literal["pool", "finding"]
Tail = Callable[[Pool], tuple[str, ...]]

DATABASES = {"postgres": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite"}
LIBRARY_NAMES = {"sqlalchemy": "SQLAlchemy"}  # as the library writes its own name, where not the package's
CONCEPT_WORDS = {
    "max_connections": "maximum pool size",
    "min_connections": "minimum pool size",
    "initial_connections": "initial pool size",
    "acquire_timeout": "acquire timeout",
    "connect_timeout": "connect timeout",
    "max_lifetime": "maximum connection lifetime",
    "idle_timeout": "idle timeout",
    "health_check": "checkout health check",
    "persistent_connections": "persistent connection age",
}
PRIORITY_WORDS = {
    "p1": "critical: it blocks the merge",
    "p2": "important: fix it before this pool carries production traffic",
    "p3": "nice-to-have: fix it when this code is next touched",
}
AREAS = ("performance", "reliability", "correctness", "database", "connection-pool")
FLOOR = "min-max-connections"  # the production floor a capacity card keeps pools at when it can
GENERIC_FILES = frozenset({"mod.rs", "lib.rs", "__init__.py"})  # named with their folder to tell them apart


def discovery_date(environ: Mapping[str, str]) -> date:
    """Today, or the day of ``SOURCE_DATE_EPOCH`` (reproducible output) when it is set."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return date.today()
    try:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date()
    except (ValueError, OverflowError, OSError) as error:
        raise ValueError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {epoch!r}") from error


def no_tail(pool: Pool) -> tuple[str, ...]:
    return ()


def build_cards(
    report: Report,
    options: Callable[[str], Mapping[str, float]],
    today: date,
    per: CardPer = "pool",
    tail: Tail = no_tail,
) -> tuple[Card, ...]:
    """One card per pool construction with findings (or per finding), then one per system-level finding.

    ``options`` gives the rule options of a file's configuration, which the recommendations read.
    """
    rules = {rule.id: rule for rule in all_rules()}
    # From the project root, as the findings' fingerprints are: the folder de-duplicates by them,
    # so a run from a subfolder must not file the same cards again.
    keys = construction_fingerprints(report.pools, report.root)
    by_pool: dict[int, list[Finding]] = defaultdict(list)
    system: list[Finding] = []
    for finding in report.findings:
        if finding.pool is None:
            system.append(finding)
        else:
            by_pool[finding.pool].append(finding)
    repeats: Counter[str] = Counter()
    cards = []
    card_pools: dict[str, int] = {}  # card fingerprint -> the pool it is about
    sizing: set[str] = set()  # the cards that set a pool's maximum
    for index, findings in by_pool.items():
        pool = report.pools[index]
        ordered = sorted(findings, key=lambda f: _importance(f, rules))
        groups = [ordered] if per == "pool" else [[f] for f in ordered]
        for group in groups:
            if per == "pool":
                fingerprint = _fingerprint("pool", keys[index])
            else:
                repeats[group[0].fingerprint] += 1
                fingerprint = _fingerprint(
                    "finding", group[0].fingerprint, str(repeats[group[0].fingerprint])
                )
            # Options and the statement's tail read the file; the card shows its name escaped.
            writer = PoolCard(_shown(pool), group, rules, options(pool.site.path), today, tail(pool))
            cards.append(writer.card(fingerprint))
            card_pools[fingerprint] = index
            if any(t.concept == "max_connections" for t in writer.targets):
                sizing.add(fingerprint)
    cards.sort(key=lambda c: (PRIORITIES.index(c.priority), c.subject, c.rules))
    system_cards = []
    for finding in system:
        repeats[finding.fingerprint] += 1
        fingerprint = _fingerprint("system", finding.fingerprint, str(repeats[finding.fingerprint]))
        blocked_by = _cards_of_served_pools(finding, report, cards, card_pools, sizing)
        budget = budget_of(finding, report.capacity) if finding.rule == "PC010" else None
        floor = int(options(finding.path).get(FLOOR, _option_default(rules, FLOOR)))
        found = advice(budget, report.pools, floor, production_code(tail)) if budget else None
        system_cards.append(system_card(finding, rules, today, fingerprint, blocked_by, found))
    system_cards.sort(key=lambda c: (PRIORITIES.index(c.priority), c.subject, c.rules))
    return (*cards, *system_cards)


def _option_default(rules: Mapping[str, Rule], name: str) -> float:
    return next(o.default for rule in rules.values() for o in rule.options if o.name == name)


def _importance(finding: Finding, rules: Mapping[str, Rule]) -> tuple[int, int, str, int, int]:
    concept = finding_concept(finding, rules)
    return (
        PRIORITIES.index(finding.priority),
        concept_rank(concept),
        finding.rule,
        finding.span.line,
        finding.span.column,
    )


def _fingerprint(*parts: str) -> str:
    # surrogateescape: a file name that is not UTF-8 hashes as its own bytes, not a crash.
    text = "\0".join(("poolcheck-card", *parts))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


class PoolCard:
    """The card for one pool construction and the findings it carries."""

    def __init__(
        self,
        pool: Pool,
        findings: Sequence[Finding],
        rules: Mapping[str, Rule],
        options: Mapping[str, float],
        today: date,
        tail: tuple[str, ...],
    ) -> None:
        self.pool, self.site, self.findings, self.rules = pool, pool.site, findings, rules
        self.today, self.tail = today, tail
        self.library = library_of(pool)
        self.lead = findings[0]
        self.lead_rule = rules[self.lead.rule]
        self.concepts = [finding_concept(f, rules) for f in findings]
        self.targets = targets(pool, self.concepts, list(rules.values()), options)
        self.load = declared_load(options)
        server = server_for(pool)
        self.server = server
        self.solutions = solutions(
            pool, tail, self.targets, server.defaults if server and not server.assumed else None
        )
        span = self.site.span
        lines = f"{span.line}-{span.end_line}" if span.end_line != span.line else f"{span.line}"
        self.location = f"{self.site.path}:{lines}"

    def card(self, fingerprint: str) -> Card:
        rule_ids = tuple(dict.fromkeys(f.rule for f in self.findings))
        return Card(
            fingerprint=fingerprint,
            title=self._title(),
            priority=self.lead.priority,
            tags=_tags([self.rules[r] for r in rule_ids if r in self.rules], self.site.library),
            slug=_kebab(f"{self.site.library}-{self._card_text_slug()}-{_short_file(self.site.path)}"),
            sections=(
                Section("Problem Statement", self._problem()),
                Section("Findings", self._findings()),
                Section("Proposed Solutions", self._solutions()),
                Section("Recommended Action", self._recommended_action()),
                Section("Technical Details", self._technical_details()),
                Section("Acceptance Criteria", self._acceptance()),
                Section(
                    "Work Log", _work_log(self.today, rule_ids, f"{self.site.path}:{self.site.span.line}")
                ),
                Section("Resources", self._resources(rule_ids)),
            ),
            subject=self.location,
            rules=rule_ids,
        )

    # --- words ------------------------------------------------------------------------------

    def _pool_words(self) -> str:
        database = DATABASES.get(self.site.database, "Database")
        return f"{database} connection pool in {markdown_prose(_short_file(self.site.path))}"

    def _card_text_slug(self) -> str:
        return self.lead_rule.card.slug if self.lead_rule.card else self.lead_rule.name

    def _title(self) -> str:
        concept = self.concepts[0]
        template = self.lead_rule.card.title if self.lead_rule.card else "{pool}: " + self.lead_rule.summary
        return template.format(
            pool=self._pool_words(),
            current=self._current(concept),
            setting=CONCEPT_WORDS.get(concept or "", "setting"),
        )

    def _current(self, concept: str | None) -> str:
        setting = self.pool.settings.get(concept or "")
        if setting is None:
            return "not set"
        if setting.source == "dynamic":
            # Set in each branch differently: the value of the variant the lead finding is about.
            for variant in variant_pools(self.pool):
                chosen = variant.pool.settings.get(concept or "")
                named = self.lead.message.startswith(variant.named(concept) + ":")
                if named and chosen is not None and chosen.source != "dynamic" and chosen.value is not None:
                    return quantity(concept or "", chosen.value)
        if setting.note or setting.source == "dynamic":
            return value_words(concept or "", setting, markdown_code)
        return "unlimited" if setting.value is None else quantity(concept or "", setting.value)

    def _described(self, concept: str) -> str:
        """``10 (written)``, ``30 s (sqlx default)``, ``20 + 10 = 30 (pool_size: default of env ...)``."""
        setting = self.pool.settings[concept]
        if setting.source == "dynamic" and not setting.parts:
            return self._source_cell(setting)  # "set at run time by `cfg.max`, line 6"
        return f"{self._value_cell(concept, setting)} ({self._source_cell(setting)})"

    def _library_words(self) -> str:
        return LIBRARY_NAMES.get(self.site.library, self.site.library)

    def _version_words(self) -> str:
        """Which version the advice is for: ``sqlx 0.7.4, from `Cargo.lock```, or the one assumed."""
        name, version = self._library_words(), self.site.version
        if version is None or version.assumed:
            latest = version.version if version and version.version else ""
            release = f"the latest release, {name} {latest}" if latest else f"{name}'s latest release"
            return f"no version found; advice for {release}"
        shown = f"{version.version} or later" if version.at_least else version.version
        return f"{name} {markdown_prose(shown)}, from {markdown_code(version.source)}"

    def _version_notes(self) -> str | None:
        """What this version's knobs mean where the name does not say it, and its other facts."""
        notes = [
            f"`{self.library.knob_name(concept)}` is {note}" for concept, note in self.library.notes.items()
        ]
        notes += self.library.remarks
        if not notes:
            return None
        return "**In this version**:\n\n" + "\n".join(f"- {note}" for note in notes)

    # --- sections ---------------------------------------------------------------------------

    def _problem(self) -> str:
        concept = self.concepts[0]
        database = DATABASES.get(self.site.database)
        kind = (
            f"{self._library_words()} {database} connection pool"
            if database
            else f"{self._library_words()} connection pool"
        )
        article = "an" if kind[:1].lower() in "aeio" else "a"
        opening = f"`{self.location}` builds {article} {kind} (`{self.site.constructor}`)"
        if concept and concept in self.pool.settings:
            opening += f" whose {CONCEPT_WORDS.get(concept, concept)} is {self._described(concept)}"
        sentences = [opening + "."]
        if self.lead_rule.card:
            sentences.append(self.lead_rule.card.problem)
        others = list(self.findings[1:])
        if others:
            named = ", ".join(dict.fromkeys(f"{f.rule} {f.name}" for f in others))
            plural = "s" if len(others) != 1 else ""
            sentences.append(
                f"The same construction has {len(others)} more finding{plural} ({named}), covered here too."
            )
        sentences.append(f"Priority **{self.lead.priority}**, {PRIORITY_WORDS[self.lead.priority]}.")
        return " ".join(sentences)

    def _findings(self) -> str:
        parts = [
            f"**Location**: `{self.location}`",
            f"**Library version**: {self._version_words()}",
            _fenced(self._fence(), as_written(self.pool, self.tail), "**Current configuration**:\n\n"),
            *filter(None, [self._declared_environment()]),
            f"**Effective settings** (what is written, over {self._library_words()}'s defaults):\n\n"
            + self._settings_table(),
            "**What poolcheck found**:\n\n"
            + "\n".join(
                f"- **{f.rule}** {f.name} ({f.priority}), line {f.span.line}: {_sentence(f.message)}"
                for f in self.findings
            ),
        ]
        size = self._size_after()
        for target in self.targets:
            figures = impact_of(self.pool, target, size, self.load)
            if figures:
                parts.append(f"**Impact: {CONCEPT_WORDS.get(target.concept, target.concept)}**\n\n{figures}")
        return "\n\n".join(parts)

    def _declared_environment(self) -> str:
        """The values the repository's files give the variables the pool reads, the one used marked:
        where a dev ``.env`` and a deployment file disagree, the card shows both."""
        rows: dict[tuple[str, str], str] = {}
        for setting in self.pool.settings.values():
            for read in (setting, *(part for _, part in setting.parts)):
                for value in read.declared:
                    used = read.source == "env" and value.defined_at == read.defined_at
                    service = f" of {value.service}" if value.service else ""
                    rows.setdefault(
                        (value.variable, value.defined_at),
                        f"- {markdown_code(f'{value.variable}={value.value}')} at "
                        f"{markdown_code(value.defined_at)} ({value.how}{service}, {value.kind})"
                        + (": **used**" if used else ""),
                    )
        if not rows:
            return ""
        return "**Environment declared in the repository**:\n\n" + "\n".join(rows.values())

    def _settings_table(self) -> str:
        rows = ["| Setting | Knob | Value | Source |", "|---|---|---|---|"]
        for concept, setting in sorted(self.pool.settings.items(), key=lambda item: concept_rank(item[0])):
            knobs = self.library.sums.get(concept) or (self.library.knob_name(concept),)
            rows.append(
                f"| {CONCEPT_WORDS.get(concept, concept)} | {' + '.join(f'`{k}`' for k in knobs)} "
                f"| {_cell(self._value_cell(concept, setting))} | {_cell(self._source_cell(setting))} |"
            )
        return "\n".join(rows)

    def _value_cell(self, concept: str, setting: Setting) -> str:
        if setting.source == "dynamic":  # the source cell names the expression; no number is known
            return "set at run time"
        shown = setting.note or quantity(concept, setting.value)
        if setting.parts and setting.value is not None:
            terms = " + ".join(quantity(concept, part.value) for _, part in setting.parts)
            shown = f"{terms} = {shown}"
        return f"{shown} ({markdown_prose(setting.via)})" if setting.via else shown

    def _source_cell(self, setting: Setting) -> str:
        library = self.site.library
        if setting.parts:
            return "; ".join(f"`{name}`: {self._source_cell(part)}" for name, part in setting.parts)
        where = f", line {setting.span.line}" if setting.span and setting.source != "default" else ""
        return provenance(setting, library, markdown_code) + where

    def _solutions(self) -> str:
        if not self.solutions:
            fixes = " ".join(
                dict.fromkeys(
                    fix_words(self.rules[f.rule], self.library) for f in self.findings if f.rule in self.rules
                )
            )
            return (
                "### Option 1: Apply the rules' fix (Recommended)\n\n"
                "- **Pros**: Addresses the findings where the pool is configured.\n"
                "- **Cons**: Needs a value chosen for this service.\n"
                "- **Effort**: Small (15 minutes)\n- **Risk**: Low\n\n" + fixes
            )
        return "\n\n".join(
            _solution_text(number, solution) for number, solution in enumerate(self.solutions, 1)
        )

    def _recommended_action(self) -> str:
        if not self.solutions:
            return "**Option 1**: apply the fix above in `" + self.location + "` and rerun poolcheck."
        changes = [self._change_words(target) for target in self.targets]
        text = (
            f"**Option 1**: it {_listed(changes)} in one place, `{self.location}`; a small change with "
            "low risk that can ship with the next deploy."
        )
        if len(self.solutions) > 1:
            text += (
                " If development, staging and production need different values, follow up with Option 2, "
                "which keeps these as the defaults."
            )
        return text

    def _change_words(self, target: Target) -> str:
        words = CONCEPT_WORDS.get(target.concept, target.concept)
        if target.concept == "health_check":
            return f"turns the {words} on"
        return f"sets the {words} to {quantity(target.concept, target.value)}"

    def _technical_details(self) -> str:
        parts = []
        if any(t.concept == "max_connections" for t in self.targets):
            parts.append(self._sizing_formula())
        parts.append(
            "**How it fails**:\n\n"
            + "\n".join(
                f"- **{rule.id} {rule.name}**: {rule.why}"
                for rule in dict.fromkeys(self.rules[f.rule] for f in self.findings if f.rule in self.rules)
            )
        )
        defaults = [
            self._default_words(concept) for concept in sorted(self.library.defaults, key=concept_rank)
        ]
        parts.append(f"**{self._library_words()} defaults** for what is not written: {', '.join(defaults)}.")
        notes = self._version_notes()
        if notes:
            parts.append(notes)
        server = self.server
        if server is not None:
            defaults_ = server.defaults
            parts.append(
                f"**Server**: {server.on()} `max_connections` defaults to {defaults_.max_connections} with "
                f"{defaults_.reserved_connections} reserved for superusers, leaving "
                f"{defaults_.usable_connections} for every pool of every service and replica together; it is "
                f"set with {defaults_.setting}. Check it (`SHOW max_connections;`) before raising pool sizes."
            )
        elif self.site.database != "sqlite":
            parts.append(
                "**Server**: check that the database server's connection limit covers the sum of every "
                "pool's maximum across services and replicas."
            )
        lines = self.location.rsplit(":", 1)[1]
        label = "lines" if "-" in lines else "line"
        path = markdown_path(self.site.path)
        affected = [f"- `{path}` ({label} {lines}: the pool construction)"]
        outside = sorted(
            {
                (setting.span.line, name)
                for name, setting in self.site.knobs
                if setting.span and not self.site.span.contains(setting.span)
            }
        )
        affected += [f"- `{path}` (line {line}: `{name}`)" for line, name in outside]
        parts.append("**Affected files**:\n\n" + "\n".join(affected))
        return "\n\n".join(parts)

    def _default_words(self, concept: str) -> str:
        """```max_connections` 10``, or for a sum ```pool_size` 5 + `max_overflow` 10``."""
        terms = []
        for name in self.library.sums.get(concept, ()):
            knob = self.library.knob(name)
            if knob is not None and knob.part_default is not None:
                terms.append(f"`{name}` {quantity(concept, knob.part_default.value)}")
        if terms:
            return " + ".join(terms)
        default = self.library.defaults[concept]
        shown = f": {default.note}" if default.note else f" {quantity(concept, default.value)}"
        return f"`{self.library.knob_name(concept)}`{shown}"

    def _sizing_formula(self) -> str:
        target = next(t for t in self.targets if t.concept == "max_connections")
        server = self.server.defaults if self.server else None
        if server is not None:
            budget = (
                f"sum over pools of (maximum * replicas) <= {server.name} max_connections - reserved "
                f"(default {server.max_connections} - {server.reserved_connections} = "
                f"{server.usable_connections})"
            )
        else:
            budget = "sum over pools of (maximum * replicas) <= the server's connection limit"
        return (
            "**Pool sizing**:\n\n```text\n"
            "connections needed = requests per second * seconds a request holds a connection (Little's law)\n"
            "                     e.g. 200 req/s * 0.05 s = 10 busy on average; size for the peak\n"
            f"pool maximum       = the peak need, at least {int(target.value)} (min-max-connections)\n"
            f"server budget      : {budget}\n"
            "database server    : HikariCP's rule of thumb, (core_count * 2) + effective_spindle_count, "
            "is what the server can serve at once\n```"
        )

    def _acceptance(self) -> str:
        items = []
        seen_rules: set[str] = set()
        by_concept = {t.concept: t for t in self.targets}
        for finding, concept in zip(self.findings, self.concepts, strict=True):
            rule = self.rules.get(finding.rule)
            if rule is None:
                continue
            target = by_concept.pop(concept, None) if concept else None
            shared = shared_knob(self.library, concept) if concept else None
            if target is not None and shared is not None:
                code = self._fields(rule, target)["code"]
                items.append((concept_rank(concept), f"{code} written as a choice. {shared_words(shared)}"))
            elif target is not None and rule.card is not None:
                items.append((concept_rank(concept), self._criterion(rule, target)))
            elif finding.rule not in seen_rules and not (concept and concept in self._covered()):
                items.append((concept_rank(concept), fix_words(rule, self.library)))
            seen_rules.add(finding.rule)
        for concept, target in by_concept.items():  # set along with another (a fixed pool's idle timeout)
            rule = next((r for r in self.rules.values() if r.concept == concept and r.card), None)
            if rule is not None:
                items.append((concept_rank(concept), self._criterion(rule, target)))
        lines = [text for _, text in sorted(items, key=lambda item: item[0])]
        server = self.server
        if any(t.concept == "max_connections" for t in self.targets):
            if server is not None:
                lines.append(
                    f"{server.defaults.name} server `max_connections` covers the sum of every pool's maximum "
                    f"across services and replicas (default {server.defaults.max_connections}, "
                    f"{server.defaults.usable_connections} usable)"
                )
            else:
                lines.append(
                    "The database server's connection limit covers the sum of every pool's maximum across "
                    "services and replicas"
                )
        for rule in dict.fromkeys(self.rules[f.rule] for f in self.findings if f.rule in self.rules):
            if rule.card:
                check = rule.card.verification.format(**self._fields(rule, self._target_for(rule)))
                if check not in lines:
                    lines.append(check)
        reported = list(dict.fromkeys(f.rule for f in self.findings))
        if len(reported) == 1:
            lines.append(f"`poolcheck {self.site.path}` reports no {reported[0]} finding for this pool")
        else:
            lines.append(f"`poolcheck {self.site.path}` reports none of {', '.join(reported)} for this pool")
        return "\n".join(f"- [ ] {line}" for line in lines)

    def _covered(self) -> set[str]:
        return {t.concept for t in self.targets}

    def _target_for(self, rule: Rule) -> Target | None:
        concepts = [c for f, c in zip(self.findings, self.concepts, strict=True) if f.rule == rule.id]
        return next((t for t in self.targets if t.concept in concepts), None)

    def _criterion(self, rule: Rule, target: Target) -> str:
        assert rule.card is not None
        return rule.card.acceptance.format(**self._fields(rule, target))

    def _fields(self, rule: Rule, target: Target | None) -> dict[str, str]:
        concept = target.concept if target else (rule.concept or "")
        if target is None:  # only the words that need no value are used then
            value, code = "the recommended value", "the recommended setting"
        else:
            value = "on" if target.value is True else quantity(concept, target.value)
            language = LANGUAGES.get(self.site.language)
            fragments = (
                [
                    language.in_text(a.knob, language.literal(a, self.pool), self.pool)
                    for a in assignments(self.pool, target)
                ]
                if language
                else []
            )
            code = " + ".join(f"`{fragment}`" for fragment in fragments)
            code = code or " + ".join(f"`{a.knob}`" for a in assignments(self.pool, target))
        return {
            "pool": self._pool_words(),
            "current": self._current(concept),
            "setting": CONCEPT_WORDS.get(concept, "setting"),
            "value": value,
            "code": code,
        }

    def _resources(self, rule_ids: Sequence[str]) -> str:
        named = ", ".join(f"{r} {self.rules[r].name}" for r in rule_ids if r in self.rules)
        explain = ", ".join(f"`poolcheck --explain {r}`" for r in rule_ids)
        references = [ref for r in rule_ids if r in self.rules for ref in self.rules[r].references]
        links = dict.fromkeys([*self.library.docs, *(ref for ref in references if self._applies(ref[1]))])
        return "\n".join(
            [
                f"- **Rules**: {named} ({explain})",
                f"- **Related Code**: `{self.location}` (pool construction)",
                "- **Documentation**:",
                *(f"  - [{title}]({url})" for title, url in links),
            ]
        )

    def _applies(self, url: str) -> bool:
        """A rule's reference into another library's docs (sqlx's, on a SQLAlchemy card) is left out."""
        return not any(
            url.startswith(_docs_root(docs_url))
            for name, library in LIBRARIES.items()
            if name != self.site.library
            for _, docs_url in library.docs
        )

    def _fence(self) -> str:
        language = LANGUAGES.get(self.site.language)
        return language.fence if language else self.site.language

    def _size_after(self) -> int | None:
        wanted = next((t.value for t in self.targets if t.concept == "max_connections"), None)
        if isinstance(wanted, int) and not isinstance(wanted, bool):
            return wanted
        current = amount(self.pool.settings.get("max_connections"))
        return int(current) if current and current > 0 else None


def _cards_of_served_pools(
    finding: Finding,
    report: Report,
    cards: list[Card],
    card_pools: Mapping[str, int],
    sizing: set[str],
) -> tuple[str, ...]:
    """The cards that set the maximum of a pool a server-capacity finding adds up (a pool with no
    maximum, given one): they change the numbers in its sum. Cards that leave the size alone do not;
    nor do sizing cards of pools in the sum, which PC001 keeps within their share."""
    served = {
        demand.index
        for budget in report.capacity
        if budget.server.setting is None
        or (budget.server.setting.path, budget.server.setting.line) == (finding.path, finding.span.line)
        for demand in budget.demands
    }
    return tuple(
        card.fingerprint
        for card in cards
        if card.fingerprint in sizing and card_pools.get(card.fingerprint) in served
    )


def system_card(
    finding: Finding,
    rules: Mapping[str, Rule],
    today: date,
    fingerprint: str,
    sizing: tuple[str, ...],
    capacity: Advice | None = None,
) -> Card:
    """A finding about the whole system (no one pool, e.g. server capacity): its own card, blocked by
    the cards that change pool sizes; for a server over its limit, with each pool's share and the
    ways back under it (``capacity``).
    """
    rule = rules.get(finding.rule)
    card_text = rule.card if rule else None
    location = f"{markdown_path(finding.path)}:{finding.span.line}"
    # A system-level finding has no one pool and no one setting: the rule's words stand alone.
    fields = {
        "pool": "Connection pools together",
        "current": "",
        "setting": "connection total",
        "value": "",
        "code": "",
    }
    title = card_text.title.format(**fields) if card_text else f"{finding.rule} {finding.name}"
    title = re.sub(r"\s*\(\s*(now|minimum)?\s*\)", "", title)
    fix = rule.fix if rule else "Follow the finding's message."
    problem = " ".join(
        [
            f"`{location}`: {_sentence(finding.message)}",
            *([card_text.problem] if card_text else []),
            f"Priority **{finding.priority}**, {PRIORITY_WORDS[finding.priority]}.",
        ]
    )
    blocked = (
        " Work through the cards it depends on first: they give a maximum to pools this total could "
        "not count."
        if sizing
        else ""
    )
    acceptance = [fix] if capacity is None else [*capacity.acceptance]
    if card_text:
        acceptance.append(card_text.verification.format(**fields))
    acceptance.append(f"`poolcheck` reports no {finding.rule} finding")
    references = rule.references if rule else ()
    return Card(
        fingerprint=fingerprint,
        title=title,
        priority=finding.priority,
        tags=_tags([rule] if rule else [], None),
        slug=_kebab(f"{card_text.slug if card_text else finding.name}-{_short_file(finding.path)}"),
        sections=(
            Section("Problem Statement", problem),
            Section(
                "Findings",
                f"**Location**: `{location}`\n\n**What poolcheck found**:\n\n"
                f"- **{finding.rule}** {finding.name} ({finding.priority}): {_sentence(finding.message)}"
                + (f"\n\n**What counts against the limit**:\n\n{capacity.table}" if capacity else ""),
            ),
            Section(
                "Proposed Solutions",
                capacity.solutions
                if capacity
                else "### Option 1: Apply the rule's fix (Recommended)\n\n"
                "- **Pros**: Addresses the finding where the system is configured.\n"
                "- **Cons**: Touches configuration shared by several services.\n"
                "- **Effort**: Medium (1 hour)\n- **Risk**: Medium\n\n" + fix,
            ),
            Section("Recommended Action", (capacity.recommended if capacity else "**Option 1**.") + blocked),
            Section(
                "Technical Details",
                f"**How it fails**: {rule.why if rule else finding.message}"
                + (f"\n\n{capacity.details}" if capacity else ""),
            ),
            Section("Acceptance Criteria", "\n".join(f"- [ ] {line}" for line in acceptance)),
            Section("Work Log", _work_log(today, (finding.rule,), location)),
            Section(
                "Resources",
                "\n".join(
                    [
                        f"- **Rules**: {finding.rule} {finding.name} (`poolcheck --explain {finding.rule}`)",
                        f"- **Related Code**: `{location}`",
                        *(["- **Documentation**:"] if references else []),
                        *(f"  - [{t}]({u})" for t, u in references),
                    ]
                ),
            ),
        ),
        subject=location,
        rules=(finding.rule,),
        dependencies=sizing,
    )


def _docs_root(url: str) -> str:
    """``https://docs.rs/sqlx/latest/...`` -> ``https://docs.rs/sqlx/``: where one library's docs live."""
    scheme, _, rest = url.partition("://")
    host, _, path = rest.partition("/")
    first = path.split("/", 1)[0]
    return f"{scheme}://{host}/{first}/" if first else f"{scheme}://{host}/"


def _solution_text(number: int, solution: Solution) -> str:
    heading = f"### Option {number}: {solution.name}" + (" (Recommended)" if number == 1 else "")
    parts = [
        heading,
        f"- **Pros**: {solution.pros}\n- **Cons**: {solution.cons}\n"
        f"- **Effort**: {solution.effort}\n- **Risk**: {solution.risk}",
    ]
    if solution.code is not None:
        parts.append(_fenced(solution.fence, solution.code))
    if solution.notes:
        parts.append("\n".join(f"- {note}" for note in dict.fromkeys(solution.notes)))
    return "\n\n".join(parts)


def _work_log(today: date, rule_ids: Sequence[str], location: str) -> str:
    plural = "s" if len(rule_ids) != 1 else ""
    return (
        f"### {today.isoformat()} - Code Review Discovery\n\n"
        f"**By:** poolcheck {__version__}\n\n**Actions:**\n"
        f"- Found by rule{plural} {', '.join(rule_ids)} at `{location}`\n"
        "- Resolved the effective configuration (written values over the library's defaults)\n"
        "- Filed as pending for triage"
    )


def _tags(rules: Sequence[Rule], library: str | None) -> tuple[str, ...]:
    present = {tag for rule in rules for tag in rule.tags}
    ordered = [tag for tag in AREAS if tag in present]
    ordered += sorted(present - set(AREAS))
    return tuple(dict.fromkeys(["code-review", *ordered, *([library] if library else [])]))


def _shown(pool: Pool) -> Pool:
    """The pool as a card names it: its file name escaped for code spans (and prose, via _short_file)."""
    return replace(pool, site=replace(pool.site, path=markdown_path(pool.site.path)))


def _fenced(language: str, code: str, lead: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run in the quoted code."""
    fence = code_fence(code)
    return f"{lead}{fence}{language}\n{code}\n{fence}"


def _short_file(path: str) -> str:
    parts = PurePath(path).parts
    if parts and parts[-1] in GENERIC_FILES and len(parts) > 1:
        return f"{parts[-2]}/{parts[-1]}"
    return parts[-1] if parts else path


def _kebab(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].rstrip("-") or "card"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _sentence(message: str) -> str:
    """A finding's message as a sentence of card prose; it quotes code, so its markup is escaped."""
    text = markdown_prose(message)
    return text if text.endswith(".") else text + "."


def _listed(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
