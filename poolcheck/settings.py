"""The settings that apply to one file: its nearest configuration under the command line's overrides.

As in ruff, rule selection is resolved in layers (each configuration file, the
files it extends first, then the command line): ``select`` starts the layer's
set afresh, ``extend-select`` adds to it, ``ignore`` removes from it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from poolcheck.check import RuleSet, all_rules, default_options
from poolcheck.config import Config, Configs
from poolcheck.filters import Anchored, PerFileIgnore, Selection, selects, selects_rule
from poolcheck.gitignore import gitignore_spec
from poolcheck.rule import Rule

if TYPE_CHECKING:
    import pathspec


@dataclass(frozen=True)
class Overrides:
    """What the command line says for every file, over each file's configuration."""

    selection: Selection = field(default_factory=Selection)
    per_file_ignores: tuple[PerFileIgnore, ...] | None = None  # None: each file's own
    extend_per_file_ignores: tuple[PerFileIgnore, ...] = ()
    extend_exclude: tuple[Anchored, ...] = ()
    options: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class FileSettings:
    """The rules, options and patterns that apply to the files under one configuration."""

    config: Config
    overrides: Overrides
    per_file_ignores: tuple[PerFileIgnore, ...]
    extend_exclude: tuple[Anchored, ...]

    # The rules are loaded when first asked for: the walk asks each file's excludes only.
    @cached_property
    def rules(self) -> tuple[Rule, ...]:
        return resolve_selection(all_rules(), (*self.config.selections, self.overrides.selection))

    @cached_property
    def options(self) -> Mapping[str, float]:
        """Every rule option, the defaults filled in."""
        return {**default_options(), **self.config.options, **self.overrides.options}

    def excludes(self, path: str) -> bool:
        """Does an ``extend-exclude`` pattern match the file at ``path``?"""
        return _matches(self._exclude_specs, path)

    def ignored_rules(self, path: str) -> tuple[str, ...]:
        """The selectors that per-file-ignores names for the file at ``path``."""
        absolute = os.path.abspath(path)
        return tuple(
            selector
            for (root, spec), ignore in zip(self._ignore_specs, self.per_file_ignores, strict=True)
            if _matches([(root, spec)], absolute)
            for selector in ignore.selectors
        )

    def ignores(self, path: str, rule: Rule | tuple[str, str]) -> bool:
        """Is ``rule`` (or a finding's (id, name)) not reported in ``path`` by per-file-ignores?"""
        rule_id, name = (rule.id, rule.name) if isinstance(rule, Rule) else rule
        return any(selects_rule(s, rule_id, name) for s in self.ignored_rules(path))

    @cached_property
    def rule_set(self) -> RuleSet:
        """The rules and options as the rule stage takes them, made once per configuration."""
        return RuleSet(self.rules, self.options)

    @cached_property
    def _exclude_specs(self) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
        return _compiled(self.extend_exclude)

    @cached_property
    def _ignore_specs(self) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
        return [(_prefix(i.pattern.root), _spec([i.pattern.pattern])) for i in self.per_file_ignores]


class SettingsLookup:
    """``FileSettings`` for each file, computed once per configuration."""

    def __init__(self, configs: Configs, overrides: Overrides) -> None:
        self.configs = configs
        self.overrides = overrides
        self._by_config: dict[int, FileSettings] = {}
        self._by_folder: dict[str, FileSettings] = {}  # the folder as written in the paths asked about

    def for_file(self, path: str) -> FileSettings:
        """The settings of the file at ``path``: those of its folder, looked up once per folder."""
        folder = os.path.dirname(path)
        found = self._by_folder.get(folder)
        if found is None:
            found = self._by_folder[folder] = self._for(path)
        return found

    def _for(self, path: str) -> FileSettings:
        config = self.configs.for_file(path)
        found = self._by_config.get(id(config))
        if found is None:
            found = self._by_config[id(config)] = file_settings(config, self.overrides)
        return found


def file_settings(config: Config, overrides: Overrides) -> FileSettings:
    """One configuration under the command line."""
    per_file = config.per_file_ignores if overrides.per_file_ignores is None else overrides.per_file_ignores
    return FileSettings(
        config=config,
        overrides=overrides,
        per_file_ignores=per_file + overrides.extend_per_file_ignores,
        extend_exclude=config.extend_exclude + overrides.extend_exclude,
    )


def resolve_selection(rules: Sequence[Rule], layers: Sequence[Selection]) -> tuple[Rule, ...]:
    """The rules that run after every layer, in their catalogue order."""
    chosen = set(rules)
    for layer in layers:
        if layer.select:
            chosen = {r for r in rules if any(selects(s, r) for s in layer.select)}
        chosen |= {r for r in rules if any(selects(s, r) for s in layer.extend_select)}
        chosen -= {r for r in rules if any(selects(s, r) for s in layer.ignore)}
    return tuple(r for r in rules if r in chosen)


def _compiled(patterns: Sequence[Anchored]) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
    """One spec per folder the patterns are relative to."""
    by_root: dict[str, list[str]] = {}
    for anchored in patterns:
        by_root.setdefault(_prefix(anchored.root), []).append(anchored.pattern)
    return [(root, _spec(lines)) for root, lines in by_root.items()]


def _spec(lines: Sequence[str]) -> pathspec.GitIgnoreSpec:
    # Its stars match without backtracking, as the walk's do; pathspec is imported only there.
    return gitignore_spec(lines)


def _matches(specs: Sequence[tuple[str, pathspec.GitIgnoreSpec]], path: str) -> bool:
    absolute = os.path.abspath(path)
    for root, spec in specs:
        if absolute.startswith(root) and spec.match_file(Path(absolute[len(root) :]).as_posix()):
            return True
    return False


def _prefix(folder: Path) -> str:
    text = os.path.abspath(folder)
    return text if text.endswith(os.sep) else text + os.sep
