"""Encodings decided by rule: UTF-8, UTF-16 with a byte-order mark, Windows-1252, or the
one named with ``--encoding``; a file of mixed lines read line by line, each warned of."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from estate.cli import cli
from estate.etl.read import ReadError, read_table
from estate.etl.read.encodings import decode
from tests.hostile.corpus import HEADER, MIXED

LINE = "Council A,A1,Café Hall,M33 7DZ,-2.32,53.42,Freehold,100\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (LINE.encode(), "UTF-8"),
        (codecs.BOM_UTF8 + LINE.encode(), "UTF-8"),
        (codecs.BOM_UTF16_LE + LINE.encode("utf-16-le"), "UTF-16"),
        (codecs.BOM_UTF16_BE + LINE.encode("utf-16-be"), "UTF-16"),
        (LINE.encode("cp1252"), "Windows-1252"),
    ],
)
def test_the_three_encodings(data: bytes, encoding: str):
    decoded = decode(data, "f.csv")
    assert (decoded.text, decoded.encoding, decoded.warnings) == (LINE, encoding, [])


def test_what_a_guesser_read_as_baltic_is_windows_1252():
    """A few accented names are what charset detection took for cp775; the rule reads them
    as the Windows-1252 they are."""
    data = "Hostile Council,H1,Maison Dieu Café,Crèche Lane\n".encode("cp1252")
    assert decode(data, "f.csv").text == "Hostile Council,H1,Maison Dieu Café,Crèche Lane\n"


def test_mixed_lines_are_read_each_as_what_it_is_with_a_warning_for_each():
    decoded = decode(MIXED, "mixed.csv")
    assert "Café Hall" in decoded.text and "Caffè Hall" in decoded.text
    assert decoded.encoding == "UTF-8, with some lines in Windows-1252"
    assert [(w.row, w.reason) for w in decoded.warnings] == [
        (3, "line 3 is not UTF-8; read as Windows-1252")
    ]


def test_bytes_that_are_text_in_neither_are_left_out_of_their_line():
    data = b"a,b\r\nLib\x81\x8drary,1\r\n"
    decoded = decode(data, "f.csv")
    assert decoded.text == "a,b\r\nLibrary,1\r\n"
    assert [w.reason for w in decoded.warnings] == [
        "line 2 is not UTF-8; read as Windows-1252, without the bytes 0x81, 0x8D, which are "
        "not text in either"
    ]


def test_a_named_encoding_is_used_and_a_file_not_in_it_is_refused_by_line():
    data = "a\nZażółć\n".encode("cp1250")
    assert decode(data, "f.csv", "cp1250").text == "a\nZażółć\n"
    with pytest.raises(ReadError) as error:
        decode(b"a\n\xff\xfe\nok\n\xff\n", "f.csv", "utf-8")
    assert str(error.value) == "f.csv: the file is not utf-8 at lines 2, 4"
    with pytest.raises(ReadError, match="'klingon' is not an encoding Python knows"):
        decode(b"a", "f.csv", "klingon")


def test_a_utf16_mark_over_bytes_that_are_not_utf16_is_refused():
    with pytest.raises(ReadError, match="starts as UTF-16 but is not UTF-16 at line 2"):
        decode(codecs.BOM_UTF16_LE + "a\n".encode("utf-16-le") + b"\x00\xdc", "f.csv")


def test_read_table_takes_the_named_encoding(tmp_path: Path):
    path = tmp_path / "pl.csv"
    path.write_bytes((HEADER + "Rada,R1,Łódź Hall,M33 7DZ,,,Freehold,1\n").encode("cp1250"))
    assert read_table(path, encoding="cp1250").frame["PropertyName"].tolist() == ["Łódź Hall"]


def test_warnings_reach_the_load_and_estate_rejections(db: Engine, tmp_path: Path):
    """A line read as Windows-1252 and an area the register cannot hold: both listed after
    the load and by `estate rejections`, the records loaded, nothing counted rejected."""
    path = tmp_path / "mixed.csv"
    path.write_bytes(MIXED.replace(b",Freehold,100\n", b",Freehold,1e12\n", 1))
    env = {"ESTATE_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    loaded = CliRunner().invoke(cli, ["load", str(path)], env=env)
    assert loaded.exit_code == 0, loaded.output
    assert "inserted 3, updated 0, unchanged 0, merged 0, rejected 0" in loaded.output
    assert "2 warnings" in loaded.output
    with db.connect() as conn:
        batch = conn.execute(text("SELECT max(id) FROM load_batches")).scalar_one()
    listed = CliRunner().invoke(cli, ["rejections", str(batch), "--format", "csv"], env=env)
    assert listed.exit_code == 0, listed.output
    rows = list(csv.reader(io.StringIO(listed.output)))
    assert rows == [
        ["file", "row", "kind", "field", "value", "reason"],
        ["mixed.csv", "2", "warning", "BuildingSize", "1e12", "'1e12' is more than the register "
         "holds for gross internal area (at most 9,999,999,999.99); loaded without it"],
        ["mixed.csv", "3", "warning", "", "", "line 3 is not UTF-8; read as Windows-1252"],
    ]  # fmt: skip


def test_estate_load_names_an_encoding(db: Engine, tmp_path: Path):
    path = tmp_path / "pl.csv"
    path.write_bytes(
        (HEADER + "Rada,R1,Łódź Hall,M33 7DZ,-2.32,53.42,Freehold,1\n").encode("cp1250")
    )
    env = {"ESTATE_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    result = CliRunner().invoke(cli, ["load", str(path), "--encoding", "cp1250"], env=env)
    assert result.exit_code == 0, result.output
    with db.connect() as conn:
        assert conn.execute(text("SELECT name FROM assets")).scalar_one() == "Łódź Hall"
