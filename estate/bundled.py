"""Where the files shipped with estate are: the migrations and the sample locality.

An installed estate (a wheel) holds them inside the package, as ``estate/migrations``
and ``estate/sample_data`` (``setup.cfg`` maps the checkout's ``alembic/`` and
``sample_data/`` there); a source checkout, editable or not, has them beside the
package. Nothing else may find them by a path of its own.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _bundled(installed: str, checkout: str) -> Path:
    inside = PACKAGE / installed
    return inside if inside.is_dir() else PACKAGE.parent / checkout


def migrations_dir() -> Path:
    """The Alembic script folder (``env.py``, ``versions/``)."""
    return _bundled("migrations", "alembic")


def sample_dir() -> Path:
    """The sample locality's files (Trafford: real published registers and synthetic
    returns, described in its ``SYNTHETIC.txt``)."""
    return _bundled("sample_data", "sample_data") / "trafford"
