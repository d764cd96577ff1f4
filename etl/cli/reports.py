"""The commands that report on what the loads did: ``estate loads``, ``problems`` (also
``rejections``),
``formats``, ``quality`` and ``matches``.

Each prints a table for a person (or CSV for a program, where it says so) and changes
nothing. The queries are Core over the models; the larger reports are the domain's
(:mod:`estate.quality`). What a command needs beyond click is imported when it runs, so
that ``estate --help`` stays quick.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd
from sqlalchemy import select

from estate.cli.helpers import open_engine, pass_settings, print_frame
from estate.config import Settings
from estate.errors import EstateError
from estate.exports import safe_frame
from estate.labels import body_names, vocabularies


@click.command()
@click.option(
    "--limit",
    type=click.IntRange(1, 100_000),
    default=50,
    show_default=True,
    help="How many batches to show.",
)
@click.option(
    "--changes",
    "changes_of",
    type=click.IntRange(1, 2**31 - 1),
    metavar="BATCH",
    help="Each body's register change made by load BATCH: added, changed, unchanged, "
    "re-coded, retired, back.",
)
@click.option(
    "--mapping",
    "mapping_of",
    type=click.IntRange(1, 2**31 - 1),
    metavar="BATCH",
    help="Show in full the mapping of columns to fields that this batch used.",
)
@pass_settings
def loads(settings: Settings, limit: int, changes_of: int | None, mapping_of: int | None) -> None:
    """List load batches, newest first, with what became of their rows, whether each file
    was a full register or a partial one, the date it is as at and the mapping of columns
    to fields each used (in short; ``--mapping BATCH`` shows one in full); then each
    body's newest change from one register to the next."""
    from estate.etl.recognise import mapping_lines
    from estate.models import LoadBatch
    from estate.quality import recent_batches, register_changes

    with open_engine(settings) as engine, engine.connect() as conn:
        if changes_of is not None:
            frame = register_changes(conn, changes_of, limit=100_000)
            print_frame(_change_words(frame), f"batch {changes_of} changed no body's register")
            return
        if mapping_of is not None:
            found = conn.execute(
                select(LoadBatch.source_file, LoadBatch.mapping).where(LoadBatch.id == mapping_of)
            ).one_or_none()
            if found is None:
                raise EstateError(f"no load batch {mapping_of} (see `estate loads`)")
            if not found.mapping:
                click.echo(f"batch {mapping_of} ({found.source_file}) recorded no mapping")
                return
            click.echo(f"batch {mapping_of}: {found.source_file}")
            for line in mapping_lines(found.mapping):
                click.echo(f"  {line}")
            return
        frame = recent_batches(conn, limit)
        mappings = dict(
            conn.execute(
                select(LoadBatch.id, LoadBatch.mapping).where(
                    LoadBatch.id.in_([int(b) for b in frame["batch"]])
                )
            ).all()
        )
        changes = register_changes(conn, limit=limit)
    status = frame["status"].map(vocabularies()["load_status"]).fillna(frame["status"])
    short = frame["batch"].map(lambda b: _short_mapping(mappings.get(int(b))))
    print_frame(frame.assign(status=status, mapping=short), "no loads yet")
    if len(changes):
        click.echo("\nEach body's newest register change (estate loads --changes BATCH: all):")
        print_frame(_change_words(changes), "")


def _change_words(frame: pd.DataFrame) -> pd.DataFrame:
    """A change table with its counts headed in a person's words."""
    return frame.rename(
        columns={
            "recoded": "re-coded",
            "unretired": "back",
            "kept_newer": "left as newer",
            "previous_as_at": "before",
        }
    )


def _short_mapping(mapping: dict | None) -> str:
    """A batch's mapping in a few words: its layout and how many columns went where."""
    if not mapping:
        return ""
    fields = len({c["field"] for c in mapping.get("columns", [])})
    extra = len(mapping.get("extra", []))
    words = [f"{mapping.get('layout')}: {fields} fields"]
    if extra:
        words.append(f"{extra} extra")
    if mapping.get("not_read"):
        words.append(f"{len(mapping['not_read'])} not read")
    if mapping.get("empty"):
        words.append(f"{len(mapping['empty'])} empty")
    return ", ".join(words)


@click.command()
@click.argument("batch", type=click.IntRange(1, 2**31 - 1))
@click.option(
    "--warnings",
    "only",
    flag_value="warning",
    help="Only the warnings: cells of loaded records not read as written.",
)
@click.option(
    "--rejections",
    "only",
    flag_value="rejection",
    help="Only the rejections: rows that were not loaded.",
)
@click.option(
    "--format", "format_", type=click.Choice(["table", "csv"]), default="table", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of the screen.",
)
@pass_settings
def problems(
    settings: Settings, batch: int, only: str | None, format_: str, output: Path | None
) -> None:
    """List a load batch's warnings and rejections: file, row, kind, field, value, reason.

    A warning is a cell of a record that loaded, left out or read otherwise (the record
    keeps the published text); a rejection is a row that was not loaded. ``estate
    rejections`` is the same command, under its older name."""
    from sqlalchemy import func

    from estate.models import LoadBatch, Rejection

    kind = func.coalesce(Rejection.kind, "rejection")
    query = (
        select(Rejection.source_file.label("file"), Rejection.row_number.label("row"),
               kind.label("kind"), Rejection.field, Rejection.value, Rejection.reason)
        .where(Rejection.batch_id == batch)
        .order_by(Rejection.row_number, Rejection.id)
    )  # fmt: skip
    if only:
        query = query.where(kind == only)
    with open_engine(settings) as engine, engine.connect() as conn:
        exists = conn.execute(select(LoadBatch.id).where(LoadBatch.id == batch)).scalar()
        if not exists:
            raise EstateError(f"no load batch {batch} (see `estate loads`)")
        frame = pd.read_sql(query, conn)
    if format_ == "csv" or (output and output.suffix.lower() == ".csv"):
        safe_frame(frame).to_csv(output or sys.stdout, index=False)
    else:
        what = {"warning": "no warnings", "rejection": "rejected nothing"}.get(
            only or "", "has no warnings and rejected nothing"
        )
        print_frame(frame, f"batch {batch} {what}")


rejections = problems
"""``estate rejections``: the older name of ``estate problems``, kept for scripts."""


@click.command()
def formats() -> None:
    """List the source formats `estate load` knows."""
    from estate.etl.sources import SOURCES, GenericSource

    for name, source in sorted(SOURCES.items()):
        click.echo(f"{name:<14} {source.description}")
    click.echo(f"{GenericSource.name:<14} {GenericSource.description} (when no other fits)")


@click.command()
@click.option(
    "--format", "format_", type=click.Choice(["table", "csv"]), default="table", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@pass_settings
def quality(settings: Settings, format_: str, output: Path | None) -> None:
    """Data quality per body: shares of records with UPRN, location, floor area, costs and
    occupancy; probable centroids, points outside the locality, unlocated records (and
    those outside Great Britain), records with field warnings, stale effective dates."""
    from estate.quality import quality_report

    with open_engine(settings) as engine, engine.connect() as conn:
        frame = quality_report(conn)
        names = body_names(conn)
    if format_ == "csv" or (output and output.suffix.lower() == ".csv"):
        safe_frame(frame).to_csv(output or sys.stdout, index=False)
    else:
        print_frame(frame.drop(columns=["name"]), "no assets loaded yet", names=names)


@click.command()
@click.option(
    "--format", "format_", type=click.Choice(["table", "csv"]), default="table", show_default=True
)
@pass_settings
def matches(settings: Settings, format_: str) -> None:
    """The same place in two bodies' records: each body's asset, and how they were matched.

    Says so when loads are still to be matched (``estate match`` finishes them)."""
    from sqlalchemy.orm import aliased

    from estate.etl.pending_matches import count_pending
    from estate.models import Asset, AssetMatch, Organisation

    a, b = aliased(Asset, name="a"), aliased(Asset, name="b")
    body, other = aliased(Organisation, name="oa"), aliased(Organisation, name="ob")
    query = (
        select(body.code.label("body"), a.source_ref.label("ref"), a.name,
               other.code.label("other_body"), b.source_ref.label("other_ref"),
               b.name.label("other_name"), AssetMatch.method, AssetMatch.distance_m,
               AssetMatch.name_similarity)
        .select_from(AssetMatch)
        .join(a, a.id == AssetMatch.asset_id)
        .join(body, body.id == a.organisation_id)
        .join(b, b.id == AssetMatch.other_id)
        .join(other, other.id == b.organisation_id)
        .order_by(body.code, a.name)
    )  # fmt: skip
    with open_engine(settings) as engine:
        with engine.connect() as conn:
            frame = pd.read_sql(query, conn)
            names = body_names(conn)
        pending = count_pending(engine)
    if format_ == "csv":
        safe_frame(frame).to_csv(sys.stdout, index=False)
    else:
        print_frame(frame, "no matches", names=names)
    if pending:
        click.echo(
            f"{pending} load(s) still to be matched: run `estate match` to finish them",
            err=format_ == "csv",
        )
