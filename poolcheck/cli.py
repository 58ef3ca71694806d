"""The command line: the one place that knows every stage."""

from __future__ import annotations

import math
import os
import signal
import stat
import sys
import threading
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from poolcheck import __version__
from poolcheck.baseline import BaselineError, load_baseline, render_baseline
from poolcheck.check import all_rules, rule_by_id
from poolcheck.config import Config, ConfigError, Configs, load_config, pattern_problem
from poolcheck.extract import DEFAULT_TIMEOUT, MAX_TIMEOUT
from poolcheck.filters import Anchored, PerFileIgnore, Selection, at_or_above, unknown_selectors
from poolcheck.model import PRIORITIES, Priority, Report
from poolcheck.output import UnsafeTarget, unsafe_target, write_output
from poolcheck.pipeline import RunSettings, Stdin, analyse, files_to_check, run
from poolcheck.read import DEFAULT_MAX_FILE_SIZE, MAX_FILE_SIZE
from poolcheck.redact import redacted_report
from poolcheck.root import project_root
from poolcheck.settings import Overrides, SettingsLookup
from poolcheck.suppress import unused_message
from poolcheck.workers import KeptWorkers

# The emitters and the issue cards are imported where they are used, so that start-up
# (--version, a pre-commit run on files with no pool) does not pay for the formats not asked for.
if TYPE_CHECKING:
    from poolcheck.cards.model import Card
    from poolcheck.fix.apply import Outcome
    from poolcheck.fix.plan import FixRules
    from poolcheck.live import LiveServer

FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab", "todo", "inventory")
COLOURS = ("auto", "always", "never")
DEFAULT_TODOS = Path("todos")
STDIN = Path("-")
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command ended by Ctrl-C
STOP_SIGNALS = ("SIGTERM", "SIGHUP")  # a CI runner cancelling the job, a closed terminal: 128 + theirs


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


class Limit(click.FloatRange):
    """A number above 0 and at most ``most``: ``inf``, ``nan`` and ``1e300`` are usage errors, not limits."""

    def __init__(self, most: float) -> None:
        super().__init__(min=0, min_open=True, max=most)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        number = float(super().convert(value, param, ctx))
        if math.isnan(number):  # no comparison holds for nan, so the range lets it through
            self.fail(f"{value!r} is not a number", param, ctx)
        return number


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the run is, so that it stops as for Ctrl-C: workers ended,
    no --output half-written."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: object) -> None:
    raise Stopped(signum)


class InterruptibleCommand(click.Command):
    """Ctrl-C, SIGTERM and SIGHUP end the run with one line and exit code 128 + the signal's number
    (130 for Ctrl-C): no traceback, no "Aborted!", no worker left behind."""

    def invoke(self, ctx: click.Context) -> Any:
        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():  # only there can handlers be set
            for name in STOP_SIGNALS:
                if hasattr(signal, name):
                    number = getattr(signal, name)
                    previous[number] = signal.signal(number, _stop)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as stop:
            if isinstance(stop, Stopped):
                click.echo(f"poolcheck: stopped by {signal.Signals(stop.signum).name}", err=True)
                sys.exit(128 + stop.signum)
            click.echo("poolcheck: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)


@click.command(cls=InterruptibleCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--output-format",
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    envvar="POOLCHECK_OUTPUT_FORMAT",
    show_envvar=True,
    help="Report format; concise is one line a finding.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to FILE instead of stdout.",
)
@click.option("--select", multiple=True, help="Rules to run: ids, id prefixes or names, comma-separated.")
@click.option("--extend-select", multiple=True, help="Rules to run as well as the configuration's.")
@click.option("--ignore", multiple=True, help="Rules to skip, as for --select.")
@click.option(
    "--per-file-ignores",
    multiple=True,
    metavar="PATTERN:RULES",
    help="Rules not reported in the files a pattern matches, e.g. 'tests/*:PC001,PC006'; "
    "replaces the configuration's per-file-ignores.",
)
@click.option(
    "--extend-per-file-ignores",
    multiple=True,
    metavar="PATTERN:RULES",
    help="As --per-file-ignores, added to the configuration's.",
)
@click.option(
    "--fail-on",
    type=click.Choice(PRIORITIES),
    help="Lowest priority that fails the run.  [default: the configuration's fail-on, else p2]",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are reported.")
@click.option("--extend-exclude", multiple=True, help="More gitignore-style patterns to skip.")
@click.option(
    "--force-exclude", is_flag=True, help="Apply excludes to files named on the command line (and stdin) too."
)
@click.option(
    "--respect-gitignore/--no-respect-gitignore",
    default=None,
    help="Skip the files git ignores (.gitignore, .git/info/exclude, global excludes).  "
    "[default: the configuration's respect-gitignore, else on]",
)
@click.option(
    "--follow-symlinks",
    is_flag=True,
    help="Read symlinked files whose target lies outside the checked folders (by default an error).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read this configuration file for every file, instead of each file's nearest one.",
)
@click.option(
    "--stdin-filename",
    type=click.Path(path_type=Path),
    help="With '-' as the path: the file the standard input stands for (its suffix picks the language).",
)
@click.option(
    "--server-max-connections",
    metavar="N|default",
    help="The PostgreSQL server's max_connections when the repository does not declare it; "
    "'default' assumes PostgreSQL's 100 (3 reserved).",
)
@click.option(
    "--server-url",
    metavar="URL",
    envvar="POOLCHECK_SERVER_URL",
    help="Read max_connections, the reserved slots and the connections open now from this running "
    "PostgreSQL server (read-only; needs poolcheck[live]). Also POOLCHECK_SERVER_URL.",
)
@click.option(
    "--include-tests",
    is_flag=True,
    default=None,
    help="Check the pools of test code too (tests/, test_*.py, conftest.py, ...): not reported by default.",
)
@click.option(
    "--fix/--no-fix",
    default=None,
    help="Apply the safe fixes: add the knobs that are missing.  [default: the configuration's fix, else no]",
)
@click.option(
    "--unsafe-fixes/--no-unsafe-fixes",
    default=None,
    help="With --fix or --diff, also change written values and pool sizes (the load on the database).",
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print what --fix would change as a unified diff and change nothing; exit 1 when there is a change.",
)
@click.option("--show-fixes", is_flag=True, help="List the findings fixed, and why the others were not.")
@click.option(
    "--fixable", multiple=True, help="Rules that may be fixed (default: every rule), as for --select."
)
@click.option("--unfixable", multiple=True, help="Rules never fixed, as for --ignore.")
@click.option(
    "--baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Hide the findings whose fingerprint is in this baseline file.",
)
@click.option(
    "--write-baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the current findings to this baseline file and exit 0.",
)
@click.option(
    "--report-unused-ignores",
    is_flag=True,
    help=(
        "Report suppression comments (poolcheck: ignore, noqa) that silence nothing, and fail the run"
        " when there are any; a bare noqa, which may serve other tools, is never reported."
    ),
)
@click.option(
    "--todos-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write one issue card per file into DIR (created if missing); cards already there are kept.",
)
@click.option(
    "--write-todos", is_flag=True, help=f"Write issue cards into {DEFAULT_TODOS}/ (or --todos-dir)."
)
@click.option(
    "--card-per",
    type=click.Choice(("pool", "finding")),
    default="pool",
    show_default=True,
    help="Issue cards: one per pool construction, or one per finding.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Processes reading and parsing files; 1 runs serially.  [default: one per available core]",
)
@click.option(
    "--timeout",
    type=Limit(MAX_TIMEOUT),
    metavar="SECONDS",
    help=f"Longest analysis of one file in CPU time; a slower file is a timeout error.  "
    f"[default: {DEFAULT_TIMEOUT:g}]",
)
@click.option(
    "--max-file-size",
    type=Limit(MAX_FILE_SIZE),
    metavar="MB",
    help=f"Larger files are not parsed (with a trigger, a read error).  [default: {DEFAULT_MAX_FILE_SIZE:g}]",
)
@click.option(
    "--color",
    "colour",
    type=click.Choice(COLOURS),
    default="auto",
    show_default=True,
    help="Colour in text output; auto: on a terminal, or when FORCE_COLOR is set (NO_COLOR wins).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary and errors.")
@click.option("--statistics", is_flag=True, help="Print only the number of findings per rule.")
@click.option(
    "--show-settings", is_flag=True, help="Print the settings that apply to the first path, and exit."
)
@click.option("--show-files", is_flag=True, help="Print the files that would be checked, and exit.")
@click.option("--explain", "explain_rule", metavar="RULE", help="Explain a rule and exit.")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@click.version_option(__version__, "-V", "--version", prog_name="poolcheck")
def main(
    paths: tuple[Path, ...],
    output_format: str,
    output: Path | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    per_file_ignores: tuple[str, ...],
    extend_per_file_ignores: tuple[str, ...],
    fail_on: str | None,
    exit_zero: bool,
    extend_exclude: tuple[str, ...],
    force_exclude: bool,
    respect_gitignore: bool | None,
    follow_symlinks: bool,
    config_file: Path | None,
    stdin_filename: Path | None,
    server_max_connections: str | None,
    server_url: str | None,
    include_tests: bool | None,
    fix: bool | None,
    unsafe_fixes: bool | None,
    show_diff: bool,
    show_fixes: bool,
    fixable: tuple[str, ...],
    unfixable: tuple[str, ...],
    baseline: Path | None,
    write_baseline: Path | None,
    report_unused_ignores: bool,
    todos_dir: Path | None,
    write_todos: bool,
    card_per: str,
    jobs: int | None,
    timeout: float | None,
    max_file_size: float | None,
    colour: str,
    quiet: bool,
    statistics: bool,
    show_settings: bool,
    show_files: bool,
    explain_rule: str | None,
    list_rules: bool,
) -> None:
    """Check database connection-pool configuration in Rust and Python code.

    PATHS are files and folders (default: the working directory); '-' reads
    standard input (see --stdin-filename).
    """
    as_json = output_format == "json"
    if list_rules or explain_rule:  # here: explain loads every library's table
        from poolcheck.explain import explanation, explanation_json, rule_list, rule_list_json
    if list_rules:
        click.echo(rule_list_json(all_rules()) if as_json else rule_list(all_rules()), nl=False)
        sys.exit(EXIT_CLEAN)
    if explain_rule:
        rule = rule_by_id(explain_rule)
        if rule is None:
            raise click.UsageError(f"unknown rule {explain_rule!r}; see --list-rules")
        click.echo(explanation_json(rule) if as_json else explanation(rule), nl=False)
        sys.exit(EXIT_CLEAN)
    reading_stdin = STDIN in paths
    if reading_stdin and len(paths) > 1:
        raise click.UsageError("'-' (standard input) cannot be combined with other paths")
    if stdin_filename is not None and not reading_stdin:
        raise click.UsageError("--stdin-filename needs '-' as the path")
    checked = [stdin_filename or Path(".")] if reading_stdin else list(paths) or [Path(".")]
    for option, target in (("--output", output), ("--write-baseline", write_baseline)):
        refusal = _refused_target(target, checked) if target is not None else None
        if refusal is not None:
            click.echo(f"poolcheck: {option}: {refusal}", err=True)
            sys.exit(EXIT_ERROR)
    overrides = _overrides(
        select, extend_select, ignore, extend_exclude, per_file_ignores, extend_per_file_ignores
    )
    for option, given in (("--config", config_file), ("--baseline", baseline)):
        if given is not None and _not_regular(given):  # a fifo would wait for a writer forever
            click.echo(f"poolcheck: {option}: {given} is not a regular file", err=True)
            sys.exit(EXIT_ERROR)
    try:
        config = load_config(config_file, checked)
        # The written baseline is every current finding, so an old baseline is not applied while writing.
        known = load_baseline(baseline) if baseline is not None and write_baseline is None else None
    except (ConfigError, BaselineError) as error:
        click.echo(f"poolcheck: {error}", err=True)
        sys.exit(EXIT_ERROR)
    # The limits: the command line's, else the run configuration's, else the defaults.
    settings = RunSettings(
        configs=Configs(config if config_file is not None else None, fallback=config),
        overrides=overrides,
        force_exclude=force_exclude,
        follow_symlinks=follow_symlinks,
        respect_gitignore=next(
            choice for choice in (respect_gitignore, config.respect_gitignore, True) if choice is not None
        ),
        baseline=known,
        server_max_connections=_server_limit(server_max_connections) or config.server_max_connections,
        assume_server_default=(server_max_connections or "").strip().lower() == "default",
        include_tests=bool(include_tests or config.include_tests),
        jobs=jobs,
        timeout=timeout or config.timeout or DEFAULT_TIMEOUT,
        max_file_size=max_file_size or config.max_file_size or DEFAULT_MAX_FILE_SIZE,
        project_root=project_root(checked, config.root),  # what CI reports and baselines name files from
    )
    if show_settings or show_files:
        sys.exit(_show(checked, settings, config, show_settings, as_json))
    if server_url or config.server_url:
        settings = replace(settings, live_server=_live_server(server_url or config.server_url or ""))
    fixing = show_diff or bool(config.fix if fix is None else fix)
    if fixing and reading_stdin:
        raise click.UsageError("--fix and --diff work on files, not on standard input")
    outcome = None
    try:
        if reading_stdin:
            piped = Stdin(sys.stdin.buffer.read(), str(stdin_filename) if stdin_filename else None)
            report = run(checked, settings, piped)
        elif fixing:
            rules = _fix_rules(config, unsafe_fixes, fixable, unfixable)
            outcome = _fixed(checked, settings, rules, write=not show_diff)
            report = outcome.report
        else:
            report = run(checked, settings)
    except ConfigError as error:  # a nearer configuration file, met during the run
        click.echo(f"poolcheck: {error}", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as error:  # a bug of ours must still exit 2, not 1, with a clear line
        click.echo(f"poolcheck: internal error: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_ERROR)
    for warning in report.warnings:
        click.echo(f"poolcheck: warning: {warning}", err=True)
    if outcome is not None:
        from poolcheck.fix import show

        if show_diff:
            click.echo(show.diff(outcome), nl=False)
        if show_fixes:  # on stderr beside a diff or a machine-read report on stdout
            aside = show_diff or output_format not in ("text", "concise")
            click.echo(show.listing(outcome, would=show_diff), nl=False, err=aside)
        for line in (show.would_fix(outcome) if show_diff else None, show.hint(outcome)):
            if line:
                click.echo(line, err=True)
        if show_diff:
            sys.exit(EXIT_FINDINGS if outcome.files else EXIT_CLEAN)
    shown = redacted_report(report)  # what the outputs print: no password of the scanned code
    if write_baseline is not None:
        sys.exit(_write_baseline(write_baseline, shown))
    todos = todos_dir or (DEFAULT_TODOS if write_todos else None)
    cards = _issue_cards(report, settings, card_per) if output_format == "todo" or todos else ()
    painted = colour_wanted(colour, os.environ, output is None and sys.stdout.isatty())
    painted = painted and output_format in ("text", "concise")
    if output_format == "todo":  # the cards themselves, unless they go to files
        from poolcheck.emit import todo as todo_format

        rendered = "" if todos else todo_format.render(cards)
    elif statistics:
        rendered = _statistics(shown, as_json)
    else:
        rendered = _render(shown, output_format, painted, quiet)
    if output is not None:
        _write_report(output, rendered)
    else:
        _echo_report(rendered, painted)
    if todos is not None:
        _write_todos(todos, cards, to_stdout=output_format == "text", quiet=quiet)
    if output_format == "github":
        _write_step_summary(shown)
    if report.baselined and output_format != "text":  # the text summary line counts them itself
        click.echo(f"poolcheck: {report.baselined} finding(s) hidden by the baseline", err=True)
    if report_unused_ignores:
        for unused in report.unused_suppressions:
            click.echo(unused_message(unused, all_rules()), err=True)
    threshold = fail_on or config.fail_on or "p2"
    sys.exit(_exit_code(report, threshold, exit_zero, report_unused_ignores))


def _fix_rules(
    config: Config, unsafe: bool | None, fixable: tuple[str, ...], unfixable: tuple[str, ...]
) -> FixRules:
    from poolcheck.fix.plan import FixRules

    for option, given in (("--fixable", fixable), ("--unfixable", unfixable)):
        unknown = unknown_selectors(all_rules(), _split(given))
        if unknown:
            raise click.UsageError(f"{option}: unknown rule selector {', '.join(unknown)} (see --list-rules)")
    return FixRules(
        unsafe=bool(config.unsafe_fixes if unsafe is None else unsafe),
        fixable=_split(fixable) or config.fixable or ("ALL",),
        unfixable=(*config.unfixable, *_split(unfixable)),
    )


def _fixed(checked: list[Path], settings: RunSettings, rules: FixRules, write: bool) -> Outcome:
    """The run with its fixes applied (``write``) or only worked out (``--diff``)."""
    from poolcheck.fix.apply import fixed_run

    lookup = SettingsLookup(settings.configs, settings.overrides)  # each pool's fix reads its file's options
    with KeptWorkers() as kept:  # the fixed files are read again by the workers holding their trees
        analysis = analyse(checked, settings, kept=kept)
        return fixed_run(analysis, settings, rules, lambda path: lookup.for_file(path).options, write, kept)


def colour_wanted(choice: str, environ: Mapping[str, str], terminal: bool) -> bool:
    """``--color``: always, never, or auto, where NO_COLOR (set and not empty) wins over FORCE_COLOR."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    return bool(environ.get("FORCE_COLOR")) or terminal


def _overrides(
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    per_file_ignores: tuple[str, ...],
    extend_per_file_ignores: tuple[str, ...],
) -> Overrides:
    """The command line over every file's configuration; its patterns are relative to the working directory.

    As in ruff, --select starts the selection afresh (the configuration's select
    and ignore no longer apply); --extend-select and --ignore add to it.
    """
    selection = Selection(_split(select), _split(extend_select), _split(ignore))
    unknown = unknown_selectors(all_rules(), selection.select + selection.extend_select + selection.ignore)
    if unknown:
        raise click.UsageError(f"unknown rule selector(s): {', '.join(unknown)}; see --list-rules")
    here = Path.cwd()
    return Overrides(
        selection=selection,
        per_file_ignores=_per_file_ignores(per_file_ignores, "--per-file-ignores")
        if per_file_ignores
        else None,
        extend_per_file_ignores=_per_file_ignores(extend_per_file_ignores, "--extend-per-file-ignores"),
        extend_exclude=tuple(Anchored(_pattern(p, "--extend-exclude"), here) for p in extend_exclude),
    )


def _per_file_ignores(written: tuple[str, ...], option: str) -> tuple[PerFileIgnore, ...]:
    entries = []
    for entry in written:
        pattern, colon, rules = entry.rpartition(":")
        selectors = _split((rules,))
        if not colon or not pattern.strip() or not selectors:
            raise click.BadParameter(f"expected PATTERN:RULES, not {entry!r}", param_hint=f"'{option}'")
        unknown = unknown_selectors(all_rules(), selectors)
        if unknown:
            raise click.BadParameter(
                f"unknown rule selector(s) {', '.join(unknown)} in {entry!r}", param_hint=f"'{option}'"
            )
        entries.append(PerFileIgnore(Anchored(_pattern(pattern.strip(), option), Path.cwd()), selectors))
    return tuple(entries)


def _pattern(pattern: str, option: str) -> str:
    problem = pattern_problem(pattern)
    if problem is not None:
        raise click.BadParameter(problem, param_hint=f"'{option}'")
    return pattern


def _not_regular(path: Path) -> bool:
    """Is ``path`` a fifo, device, socket or folder? Asked of the file system, without opening it."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:  # missing or unreadable: the reader says so in its own words
        return False


def _live_server(url: str) -> LiveServer:
    """The running server's limits, or exit 2: the user asked for them, so a run without is wrong."""
    from poolcheck.live import LiveServerError, read_live_server  # here: psycopg only when asked

    try:
        return read_live_server(url)
    except LiveServerError as error:
        click.echo(f"poolcheck: --server-url: {error}", err=True)
        sys.exit(EXIT_ERROR)


def _server_limit(given: str | None) -> int | None:
    """``--server-max-connections``: a number, or ``default`` to assume PostgreSQL's default."""
    if given is None or given.strip().lower() == "default":
        return None
    if not given.strip().isdigit() or int(given) < 1:
        raise click.BadParameter(
            f"expected a whole number of 1 or more, or 'default', not {given!r}",
            param_hint="'--server-max-connections'",
        )
    return int(given)


def _show(
    checked: list[Path], settings: RunSettings, config: Config, show_settings: bool, as_json: bool
) -> int:
    """``--show-settings`` (for the first path) or ``--show-files``; exit 0, or 2 on a bad configuration."""
    from poolcheck import show

    lookup = SettingsLookup(settings.configs, settings.overrides)
    try:
        if show_settings:
            text = show.settings(checked[0], lookup, settings, config, as_json)
        else:
            found = files_to_check(checked, settings, lookup)
            for error in found.errors:
                click.echo(f"poolcheck: {error.path}: {error.message}", err=True)
            for warning in found.warnings:
                click.echo(f"poolcheck: warning: {warning}", err=True)
            text = show.files(found, as_json)
    except ConfigError as error:
        click.echo(f"poolcheck: {error}", err=True)
        return EXIT_ERROR
    click.echo(text, nl=False)
    return EXIT_CLEAN


def _issue_cards(report: Report, settings: RunSettings, card_per: str) -> tuple[Card, ...]:
    from poolcheck.cards.content import CardPer, build_cards, discovery_date
    from poolcheck.cards.source import statement_tail

    try:
        today = discovery_date(os.environ)
    except ValueError as error:
        click.echo(f"poolcheck: {error}", err=True)
        sys.exit(EXIT_ERROR)
    lookup = SettingsLookup(settings.configs, settings.overrides)  # each pool's card reads its file's options
    try:
        return build_cards(
            report, lambda path: lookup.for_file(path).options, today, cast(CardPer, card_per), statement_tail
        )
    except Exception as error:  # as for the run: a bug of ours exits 2 with a clear line
        click.echo(
            f"poolcheck: internal error writing issue cards: {type(error).__name__}: {error}", err=True
        )
        sys.exit(EXIT_ERROR)


def _write_todos(folder: Path, cards: tuple[Card, ...], to_stdout: bool, quiet: bool) -> None:
    """Add the new cards to ``folder``; say what was added and skipped (on stdout after a text report)."""
    from poolcheck.cards.folder import report_lines, write_cards

    try:
        outcome = write_cards(folder, cards)
    except OSError as error:
        click.echo(f"poolcheck: cannot write issue cards to {folder}: {error.strerror or error}", err=True)
        sys.exit(EXIT_ERROR)
    lines = report_lines(outcome)
    for line in lines[-1:] if quiet else lines:
        click.echo(line, err=not to_stdout)


def _refused_target(target: Path, checked: list[Path]) -> str | None:
    """Why a report must not go to ``target``: not a regular file, or one of the files being checked."""
    if str(target) in ("-", "/dev/stdout", "/dev/stderr"):
        return None
    refusal = unsafe_target(target)
    if refusal is not None or not target.is_file():
        return refusal
    from poolcheck.capacity.read import SUFFIXES as CAPACITY_SUFFIXES
    from poolcheck.pipeline import source_suffixes

    real = target.resolve()
    for path in checked:
        try:
            if path.is_file() and os.path.samefile(path, target):
                return f"{target} is one of the files being checked; not overwritten"
        except OSError:
            continue
        checked_suffix = target.name.endswith(source_suffixes() + CAPACITY_SUFFIXES)
        if checked_suffix and path.is_dir() and real.is_relative_to(path.resolve()):
            return f"{target} is one of the files being checked (under {path}); not overwritten"
    return None


def _write_report(path: Path, text: str) -> None:
    """``--output``: the report replaces ``path`` whole; a failure is one line and exit 2."""
    try:
        write_output(path, text)
    except UnsafeTarget as error:
        click.echo(f"poolcheck: --output: {error}", err=True)
        sys.exit(EXIT_ERROR)
    except OSError as error:
        click.echo(f"poolcheck: cannot write the report to {path}: {error.strerror or error}", err=True)
        sys.exit(EXIT_ERROR)


def _echo_report(text: str, painted: bool) -> None:
    """The report on stdout; a full disk or a closed pipe is one line and exit 2, not a traceback."""
    try:
        click.echo(text, nl=False, color=painted)  # click drops colour off a terminal unless told
        sys.stdout.flush()
    except OSError as error:
        # Point fd 1 at /dev/null, so the interpreter's own flush at exit has nothing to fail on.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        click.echo(f"poolcheck: cannot write the report to stdout: {error.strerror or error}", err=True)
        sys.exit(EXIT_ERROR)


def _write_baseline(path: Path, report: Report) -> int:
    try:
        write_output(path, render_baseline(report.findings, report.root))
    except OSError as error:
        click.echo(f"poolcheck: cannot write the baseline {path}: {error.strerror or error}", err=True)
        return EXIT_ERROR
    count = len(report.findings)
    click.echo(f"poolcheck: wrote {count} finding{'s' if count != 1 else ''} to {path}", err=True)
    return EXIT_CLEAN


def _statistics(report: Report, as_json: bool) -> str:
    """``--statistics``: the counts table alone (errors go to stderr), or its JSON form."""
    from poolcheck.emit import text as text_format
    from poolcheck.emit.escape import printable

    for error in report.errors:  # the file's name and the message are the repository's text
        shown = f"{printable(error.path)}: error[{error.kind}] {printable(error.message)}"
        click.echo(f"poolcheck: {shown}", err=True)
    if as_json:
        from poolcheck.emit import json as json_format

        return json_format.render_statistics(report)
    table = text_format.statistics(report)
    return table + "\n" if table else ""


def _render(report: Report, output_format: str, colour: bool, quiet: bool) -> str:
    if output_format == "json":
        from poolcheck.emit import json as json_format

        return json_format.render(report)
    if output_format == "sarif":
        from poolcheck.emit import sarif as sarif_format

        return sarif_format.render(report)
    if output_format == "github":
        from poolcheck.emit import github as github_format

        return github_format.render(report, os.environ)
    if output_format == "inventory":
        from poolcheck.emit import inventory as inventory_format

        return inventory_format.render(report)
    if output_format == "gitlab":
        from poolcheck.emit import gitlab as gitlab_format

        return gitlab_format.render(report)
    if output_format == "concise":
        from poolcheck.emit import concise as concise_format

        return concise_format.render(report, colour=colour, quiet=quiet)
    from poolcheck.emit import text as text_format

    return text_format.render(report, colour=colour, quiet=quiet)


def _write_step_summary(report: Report) -> None:
    from poolcheck.emit import github as github_format

    # The summary is extra to the annotations and the log: failing to write it must not change the result.
    try:
        github_format.write_step_summary(report, os.environ)
    except OSError as error:
        click.echo(f"poolcheck: could not write the step summary: {error}", err=True)


def _exit_code(report: Report, fail_on: str, exit_zero: bool, unused_fail: bool = False) -> int:
    if exit_zero:
        return EXIT_CLEAN
    threshold = cast(Priority, fail_on)
    failing = any(at_or_above(f, threshold) for f in report.findings)
    unused = unused_fail and bool(report.unused_suppressions)
    return EXIT_FINDINGS if failing or report.errors or unused else EXIT_CLEAN


def entry() -> None:
    """The installed command and ``python -m poolcheck``: ``main``, then an exit that skips the
    interpreter's teardown, as mypy's does. Freeing a large run's objects one by one takes 20 ms
    that nobody waits for. Anything that teardown would still do takes the usual exit: output that
    does not flush, a thread or worker still running, an exit with a message."""
    try:
        main()
    except SystemExit as end:
        if end.code is not None and not isinstance(end.code, int):
            raise
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            raise end from None
        if threading.active_count() > 1 or _children_running():
            raise
        os._exit(end.code or EXIT_CLEAN)


def _children_running() -> bool:
    processes = sys.modules.get("multiprocessing")  # loaded only by a run that started workers
    return processes is not None and bool(processes.active_children())
