"""Text of megabytes in the register: the analysis reads it cut short (it only shows
names and addresses), and the frame reader reads a row longer than its block whole."""

from __future__ import annotations

from sqlalchemy import Connection, text

from estate.analysis.assets import read_assets
from estate.analysis.frames import BLOCK_BYTES, copy_frame
from estate.clipping import ELLIPSIS, LIST_TEXT_CHARS, clipped, clipped_sql

FIVE_MB = 5 * 1024 * 1024


def _insert_huge(conn: Connection) -> int:
    """A body and one asset whose name and address are 5 MB, written as a hand in the
    database would (no loader checks it)."""
    org = conn.execute(
        text(
            "INSERT INTO organisations (code, name, kind) VALUES ('HUGE', 'Huge', 'council') "
            "RETURNING id"
        )
    ).scalar_one()
    return conn.execute(
        text(
            "INSERT INTO assets (organisation_id, source_ref, name, address, geom, "
            "location_method) VALUES (:org, 'H1', repeat('n', :size), repeat('a', :size), "
            "ST_SetSRID(ST_MakePoint(380000, 395000), 27700), 'bng') RETURNING id"
        ),
        {"org": org, "size": FIVE_MB},
    ).scalar_one()


def test_the_analysis_reads_a_5_mb_name_cut_to_500_characters(connection: Connection):
    asset_id = _insert_huge(connection)

    frame = read_assets(connection, 8.0)

    row = frame[frame["id"] == asset_id].iloc[0]
    assert len(row["name"]) == LIST_TEXT_CHARS and row["name"].endswith(ELLIPSIS)
    assert len(row["address"]) == LIST_TEXT_CHARS
    assert row["name"][:-1] == "n" * (LIST_TEXT_CHARS - 1)


def test_a_row_longer_than_two_read_blocks_is_read_whole(connection: Connection):
    """What a 64 MB name did before its text was cut: Arrow's "straddling object
    straddles two block boundaries"."""
    size = BLOCK_BYTES * 5 // 2
    frame = copy_frame(
        connection,
        "SELECT g AS id, CASE WHEN g = 1 THEN repeat('x', {size}) ELSE 'y' END AS t "
        "FROM generate_series(1, 3) g",
        {"size": size},
    )
    assert frame["id"].tolist() == [1, 2, 3]
    assert frame["t"].str.len().tolist() == [size, 1, 1]


def test_text_is_cut_with_an_ellipsis_only_when_too_long(connection: Connection):
    assert clipped("abcdef", 4) == "abc" + ELLIPSIS
    assert clipped("abcd", 4) == "abcd"
    assert clipped(None) is None
    cut = connection.execute(
        text(f"SELECT {clipped_sql(':t', 4)}, {clipped_sql(':s', 4)}, {clipped_sql('NULL')}"),
        {"t": "abcdef", "s": "abcd"},
    ).one()
    assert tuple(cut) == ("abc" + ELLIPSIS, "abcd", None)
