"""asset matches across bodies

The same place in two bodies' files (same UPRN, or a few metres apart with similar
names), with the method and evidence of each match. pg_trgm gives name similarity.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "asset_matches",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("asset_id", sa.BigInteger(), nullable=False),
        sa.Column("other_id", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("distance_m", sa.Numeric(precision=10, scale=1), nullable=True),
        sa.Column("name_similarity", sa.Numeric(precision=4, scale=3), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "method IN ('uprn', 'proximity_name')", name=op.f("ck_asset_matches_method")
        ),
        sa.CheckConstraint("asset_id < other_id", name=op.f("ck_asset_matches_ordered")),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_asset_matches_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["assets.id"],
            name=op.f("fk_asset_matches_other_id_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_matches")),
        sa.UniqueConstraint(
            "asset_id", "other_id", name=op.f("uq_asset_matches_asset_id_other_id")
        ),
    )
    op.create_index(op.f("ix_asset_matches_other_id"), "asset_matches", ["other_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_asset_matches_other_id"), table_name="asset_matches")
    op.drop_table("asset_matches")
