"""rejections.kind: a load's warnings told apart from its rejections

A cell that cannot be read no longer costs its record: the record loads without the
value and the load records a warning, in the same table as its rejections (file, row,
field, value, reason), so that ``estate problems`` lists both, and filters either. Rows
recorded before have no kind and are read as rejections.

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("rejections", sa.Column("kind", sa.Text(), nullable=True))
    op.create_check_constraint(
        op.f("ck_rejections_kind"), "rejections", "kind IN ('rejection', 'warning')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_rejections_kind"), "rejections", type_="check")
    op.drop_column("rejections", "kind")
