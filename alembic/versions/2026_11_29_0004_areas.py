"""areas: the locality boundary and its wards

Drawn on the shared map and used to summarise a ward's assets by a join.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON", srid=27700, spatial_index=False
            ),
            nullable=True,
        ),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('boundary', 'ward')", name=op.f("ck_areas_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_areas")),
        sa.UniqueConstraint("kind", "name", name=op.f("uq_areas_kind_name")),
    )
    op.create_index(op.f("ix_areas_geom"), "areas", ["geom"], unique=False, postgresql_using="gist")


def downgrade() -> None:
    op.drop_index(op.f("ix_areas_geom"), table_name="areas", postgresql_using="gist")
    op.drop_table("areas")
