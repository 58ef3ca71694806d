"""The command line: the one place that knows every stage."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from poolcheck import __version__
from poolcheck.baseline import BaselineError, load_baseline, render_baseline
from poolcheck.check import all_rules, default_options, rule_by_id
from poolcheck.config import Config, ConfigError, load_config
from poolcheck.explain import explanation, rule_list
from poolcheck.extract import DEFAULT_TIMEOUT
from poolcheck.filters import at_or_above, unknown_selectors
from poolcheck.model import PRIORITIES, Priority, Report
from poolcheck.output import write_output
from poolcheck.pipeline import RunSettings, run
from poolcheck.read import DEFAULT_MAX_FILE_SIZE
from poolcheck.suppress import unused_message

# The emitters and the issue cards are imported where they are used, so that start-up
# (--version, a pre-commit run on files with no pool) does not pay for the formats not asked for.
if TYPE_CHECKING:
    from poolcheck.cards.model import Card

FORMATS = ("text", "json", "sarif", "github", "gitlab", "todo", "inventory")
DEFAULT_TODOS = Path("todos")
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command ended by Ctrl-C


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


class InterruptibleCommand(click.Command):
    """Ctrl-C ends the run with one line and exit code 130: no traceback, no "Aborted!"."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("poolcheck: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)


@click.command(cls=InterruptibleCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--server-max-connections",
    metavar="N|default",
    help="The PostgreSQL server's max_connections when the repository does not declare it; "
    "'default' assumes PostgreSQL's 100 (3 reserved).",
)
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to FILE instead of stdout.",
)
@click.option("--select", multiple=True, help="Rules to run: ids, id prefixes or names, comma-separated.")
@click.option("--ignore", multiple=True, help="Rules to skip, as for --select.")
@click.option(
    "--fail-on",
    type=click.Choice(PRIORITIES),
    help="Lowest priority that fails the run.  [default: the configuration's fail-on, else p2]",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are reported.")
@click.option("--extend-exclude", multiple=True, help="More gitignore-style patterns to skip.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to files named on the command line too.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read this configuration file instead of looking for one.",
)
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
    help="Report suppression comments that silence nothing, and fail the run when there are any.",
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
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help=f"Longest analysis of one file; a slower file is a timeout error.  [default: {DEFAULT_TIMEOUT:g}]",
)
@click.option(
    "--max-file-size",
    type=click.FloatRange(min=0, min_open=True),
    metavar="MB",
    help=f"Larger files are not parsed (with a trigger, a read error).  [default: {DEFAULT_MAX_FILE_SIZE:g}]",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary and errors.")
@click.option("--statistics", is_flag=True, help="Count findings per rule.")
@click.option("--explain", "explain_rule", metavar="RULE", help="Explain a rule and exit.")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@click.version_option(__version__, "--version", prog_name="poolcheck")
def main(
    paths: tuple[Path, ...],
    server_max_connections: str | None,
    output_format: str,
    output: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    exit_zero: bool,
    extend_exclude: tuple[str, ...],
    force_exclude: bool,
    config_file: Path | None,
    baseline: Path | None,
    write_baseline: Path | None,
    report_unused_ignores: bool,
    todos_dir: Path | None,
    write_todos: bool,
    card_per: str,
    jobs: int | None,
    timeout: float | None,
    max_file_size: float | None,
    quiet: bool,
    statistics: bool,
    explain_rule: str | None,
    list_rules: bool,
) -> None:
    """Check database connection-pool configuration in Rust and Python code."""
    if list_rules:
        click.echo(rule_list(all_rules()), nl=False)
        sys.exit(EXIT_CLEAN)
    if explain_rule:
        rule = rule_by_id(explain_rule)
        if rule is None:
            raise click.UsageError(f"unknown rule {explain_rule!r}; see --list-rules")
        click.echo(explanation(rule), nl=False)
        sys.exit(EXIT_CLEAN)
    selectors, ignores = _split(select), _split(ignore)
    unknown = unknown_selectors(all_rules(), selectors + ignores)
    if unknown:
        raise click.UsageError(f"unknown rule selector(s): {', '.join(unknown)}; see --list-rules")
    checked = list(paths) or [Path(".")]
    try:
        config = load_config(config_file, checked)
        # The written baseline is every current finding, so an old baseline is not applied while writing.
        known = load_baseline(baseline) if baseline is not None and write_baseline is None else None
    except (ConfigError, BaselineError) as error:
        click.echo(f"poolcheck: {error}", err=True)
        sys.exit(EXIT_ERROR)
    settings = _run_settings(config, selectors, ignores, _split(extend_exclude), force_exclude, known)
    # The limits: the command line's, else the file's, else the defaults.
    settings = replace(
        settings,
        server_max_connections=_server_limit(server_max_connections) or settings.server_max_connections,
        assume_server_default=(server_max_connections or "").strip().lower() == "default",
        jobs=jobs,
        timeout=timeout or config.timeout or DEFAULT_TIMEOUT,
        max_file_size=max_file_size or config.max_file_size or DEFAULT_MAX_FILE_SIZE,
    )
    try:
        report = run(checked, settings)
    except Exception as error:  # a bug of ours must still exit 2, not 1, with a clear line
        click.echo(f"poolcheck: internal error: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_ERROR)
    if write_baseline is not None:
        sys.exit(_write_baseline(write_baseline, report))
    todos = todos_dir or (DEFAULT_TODOS if write_todos else None)
    cards = _issue_cards(report, settings, card_per) if output_format == "todo" or todos else ()
    colour = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    if output_format == "todo":  # the cards themselves, unless they go to files
        from poolcheck.emit import todo as todo_format

        rendered = "" if todos else todo_format.render(cards)
    else:
        rendered = _render(report, output_format, colour, statistics, quiet)
    if output is not None:
        write_output(output, rendered)
    else:
        click.echo(rendered, nl=False)
    if todos is not None:
        _write_todos(todos, cards, to_stdout=output_format == "text", quiet=quiet)
    if output_format == "github":
        _write_step_summary(report)
    if report.baselined and output_format != "text":  # the text summary line counts them itself
        click.echo(f"poolcheck: {report.baselined} finding(s) hidden by the baseline", err=True)
    if report_unused_ignores:
        for unused in report.unused_suppressions:
            click.echo(unused_message(unused, all_rules()), err=True)
    threshold = fail_on or config.fail_on or "p2"
    sys.exit(_exit_code(report, threshold, exit_zero, report_unused_ignores))


def _run_settings(
    config: Config,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    force_exclude: bool,
    baseline: frozenset[str] | None,
) -> RunSettings:
    """The command line over the file.

    As in ruff, --select replaces the file's select and ignore; --ignore and
    --extend-exclude add to the file's.
    """
    return RunSettings(
        select=select or config.select,
        ignore=ignore if select else config.ignore + ignore,
        options=config.options,
        extend_exclude=config.extend_exclude + extend_exclude,
        force_exclude=force_exclude,
        per_file_ignores=config.per_file_ignores,
        pattern_root=config.root,
        baseline=baseline,
        server_max_connections=config.server_max_connections,
    )


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


def _issue_cards(report: Report, settings: RunSettings, card_per: str) -> tuple[Card, ...]:
    from poolcheck.cards.content import CardPer, build_cards, discovery_date
    from poolcheck.cards.source import statement_tail

    try:
        today = discovery_date(os.environ)
    except ValueError as error:
        click.echo(f"poolcheck: {error}", err=True)
        sys.exit(EXIT_ERROR)
    options = {**default_options(), **settings.options}
    try:
        return build_cards(report, options, today, cast(CardPer, card_per), statement_tail)
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


def _write_baseline(path: Path, report: Report) -> int:
    try:
        write_output(path, render_baseline(report.findings, report.root))
    except OSError as error:
        click.echo(f"poolcheck: cannot write the baseline {path}: {error.strerror or error}", err=True)
        return EXIT_ERROR
    count = len(report.findings)
    click.echo(f"poolcheck: wrote {count} finding{'s' if count != 1 else ''} to {path}", err=True)
    return EXIT_CLEAN


def _render(report: Report, output_format: str, colour: bool, statistics: bool, quiet: bool) -> str:
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
    from poolcheck.emit import text as text_format

    return text_format.render(report, colour=colour, statistics=statistics, quiet=quiet)


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
