"""The `estate` command: every subcommand has help; errors are one line, not a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from estate.cli import cli
from estate.etl.cli.sample import load_sample
from tests.conftest import empty_register

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "trafford"


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


@pytest.fixture(scope="module")
def sample(engine: Engine) -> Iterator[Engine]:
    load_sample(engine)
    yield engine
    empty_register(engine)


def _run_on(db: Engine, *args: str):
    env = {"ESTATE_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    return CliRunner().invoke(cli, list(args), env=env)


def test_colocation_within_a_ward_without_a_cluster_is_an_empty_result(sample: Engine):
    """Sale Moor holds no two bodies' assets close together: an empty result, exit 0."""
    within = f"{SAMPLE / 'wards.geojson'}:Sale Moor"
    whole = _run_on(sample, "analyse", "colocation", "--format", "csv")
    assert whole.exit_code == 0, whole.output
    header = whole.stdout.splitlines()[0]

    as_csv = _run_on(sample, "analyse", "colocation", "--within", within, "--format", "csv")
    assert as_csv.exit_code == 0, (as_csv.output, repr(as_csv.exception))
    assert as_csv.stdout.splitlines() == [header]
    assert "0 clusters" in as_csv.stderr

    table = _run_on(sample, "analyse", "colocation", "--within", within)
    assert table.exit_code == 0, (table.output, repr(table.exception))
    assert "no co-location clusters" in table.stdout
    assert "Traceback" not in table.output

    for extra in (["--members"], ["--pairs"]):
        for format_ in ("table", "csv", "geojson"):
            result = _run_on(
                sample, "analyse", "colocation", "--within", within, *extra, "--format", format_
            )
            assert result.exit_code == 0, (extra, format_, result.output, repr(result.exception))


def test_within_takes_a_loaded_areas_name(sample: Engine):
    """`--within "Sale Central"` is the loaded ward: the same clusters as its file's feature."""
    by_file = _run_on(
        sample, "analyse", "colocation", "--within", f"{SAMPLE / 'wards.geojson'}:Sale Central",
        "--format", "csv",
    )  # fmt: skip
    by_name = _run_on(
        sample, "analyse", "colocation", "--within", "Sale Central", "--format", "csv"
    )
    assert by_name.exit_code == 0, (by_name.output, repr(by_name.exception))
    assert len(by_name.stdout.splitlines()) > 1  # the ward has clusters
    assert by_name.stdout == by_file.stdout
    disposals = _run_on(
        sample, "analyse", "disposals", "--within", "sale central", "--format", "csv"
    )
    assert disposals.exit_code == 0, disposals.output
    unknown = _run_on(sample, "analyse", "colocation", "--within", "Atlantis")
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("error: Atlantis: no loaded area of that name")
    assert "Traceback" not in unknown.output


def test_an_estate_error_of_another_layers_command_is_one_line_too(db: Engine):
    """`rejections` comes from etl through the entry points: the same one handler."""
    result = _run_on(db, "rejections", "999")
    assert result.exit_code == 1
    assert result.stderr == "error: no load batch 999 (see `estate loads`)\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)
