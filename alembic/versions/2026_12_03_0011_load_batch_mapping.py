"""load_batches.mapping: the mapping of columns to fields each load used

A load recognises which column holds which field, by header and by values, and says so;
the batch keeps what it said (columns read and why, columns kept as extra attributes,
columns not read or empty, and the contests between columns) so that ``estate loads``
can show it later, and a person can see why a field was or was not read.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "load_batches", sa.Column("mapping", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("load_batches", "mapping")
