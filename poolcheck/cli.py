"""The command line: the one place that knows every stage."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import cast

import click

from poolcheck import __version__
from poolcheck.baseline import BaselineError, load_baseline, render_baseline
from poolcheck.check import all_rules, rule_by_id
from poolcheck.config import Config, ConfigError, load_config
from poolcheck.emit import github as github_format
from poolcheck.emit import gitlab as gitlab_format
from poolcheck.emit import json as json_format
from poolcheck.emit import sarif as sarif_format
from poolcheck.emit import text as text_format
from poolcheck.explain import explanation, rule_list
from poolcheck.filters import at_or_above, unknown_selectors
from poolcheck.model import PRIORITIES, Priority, Report
from poolcheck.output import write_output
from poolcheck.pipeline import RunSettings, run
from poolcheck.suppress import unused_message

FORMATS = ("text", "json", "sarif", "github", "gitlab")
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
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
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary and errors.")
@click.option("--statistics", is_flag=True, help="Count findings per rule.")
@click.option("--explain", "explain_rule", metavar="RULE", help="Explain a rule and exit.")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@click.version_option(__version__, "--version", prog_name="poolcheck")
def main(
    paths: tuple[Path, ...],
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
    try:
        report = run(checked, settings)
    except Exception as error:  # a bug of ours must still exit 2, not 1, with a clear line
        click.echo(f"poolcheck: internal error: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_ERROR)
    if write_baseline is not None:
        sys.exit(_write_baseline(write_baseline, report))
    colour = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    rendered = _render(report, output_format, colour, statistics, quiet)
    if output is not None:
        write_output(output, rendered)
    else:
        click.echo(rendered, nl=False)
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
    )


def _write_baseline(path: Path, report: Report) -> int:
    try:
        write_output(path, render_baseline(report.findings))
    except OSError as error:
        click.echo(f"poolcheck: cannot write the baseline {path}: {error.strerror or error}", err=True)
        return EXIT_ERROR
    count = len(report.findings)
    click.echo(f"poolcheck: wrote {count} finding{'s' if count != 1 else ''} to {path}", err=True)
    return EXIT_CLEAN


def _render(report: Report, output_format: str, colour: bool, statistics: bool, quiet: bool) -> str:
    if output_format == "json":
        return json_format.render(report)
    if output_format == "sarif":
        return sarif_format.render(report, root=Path.cwd())
    if output_format == "github":
        return github_format.render(report, os.environ)
    if output_format == "gitlab":
        return gitlab_format.render(report)
    return text_format.render(report, colour=colour, statistics=statistics, quiet=quiet)


def _write_step_summary(report: Report) -> None:
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
