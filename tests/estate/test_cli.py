"""The `estate` command: every subcommand has help; errors are one line, not a traceback."""

from __future__ import annotations

import click
from click.testing import CliRunner

from estate.cli import cli


def _walk(group: click.Group, ctx: click.Context, path: tuple[str, ...] = ()):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _walk(command, click.Context(command, parent=ctx), (*path, name))


def test_every_subcommand_has_help():
    runner = CliRunner()
    ctx = click.Context(cli)
    paths = list(_walk(cli, ctx))
    assert ("db", "up") in paths and ("db", "status") in paths and ("demo",) in paths
    for path in paths:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage: " in result.output


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and "estate, version" in result.output


def test_an_estate_error_is_one_line_and_exit_status_1():
    runner = CliRunner()
    result = runner.invoke(cli, ["db", "down"], env={"ESTATE_DATABASE_URL": "postgresql://x@y/z"})
    assert result.exit_code == 1
    assert "error: ESTATE_DATABASE_URL is set" in result.output
    assert "Traceback" not in result.output


def test_a_bad_setting_is_reported_not_raised():
    result = CliRunner().invoke(cli, ["db", "url"], env={"ESTATE_HORIZON_YEARS": "soon"})
    assert result.exit_code != 0
    assert "ESTATE_HORIZON_YEARS must be a number" in result.output
