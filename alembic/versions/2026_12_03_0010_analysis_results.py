"""analysis_results: analysis results computed once and shared by every server worker

``estate serve`` runs several worker processes, and each kept its own results: at a
region's scale every worker spent seconds computing the same co-location clusters and
disposal candidates for the same view. A row here is one result (packed with Arrow),
keyed by the data version, the viewer's sharing view and the parameters, so the first
worker to compute it stores it and the others read it.

The payload is stored uncompressed by PostgreSQL (``STORAGE EXTERNAL``): it is already
compressed, and trying again on every write of megabytes would cost time for nothing.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analysis_results",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("data_version", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_analysis_results")),
    )
    op.create_index(
        op.f("ix_analysis_results_created_at"), "analysis_results", ["created_at"], unique=False
    )
    op.execute("ALTER TABLE analysis_results ALTER COLUMN payload SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_index(op.f("ix_analysis_results_created_at"), table_name="analysis_results")
    op.drop_table("analysis_results")
