"""club_needs.asset_id: the asset a need was placed at

A need posted "at one of our assets" took the asset's point, but the need kept no link
to the asset, so when the asset was later marked sensitive the need went on showing
its exact point to every partner. With the link, what another body sees of the need is
decided when it is read (:meth:`estate.sharing.Viewer.club_sql`), like an offer's.

Needs posted before this revision get the link from their ``create`` audit event, which
has always named the asset.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("club_needs", sa.Column("asset_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_club_needs_asset_id_assets"), "club_needs", "assets", ["asset_id"], ["id"],
        ondelete="SET NULL",
    )  # fmt: skip
    op.execute(
        """
        UPDATE club_needs n SET asset_id = e.asset_id
        FROM audit_events e
        WHERE e.subject = 'need' AND e.action = 'create' AND e.subject_id = n.id
          AND e.asset_id IS NOT NULL
        """
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_club_needs_asset_id_assets"), "club_needs", type_="foreignkey")
    op.drop_column("club_needs", "asset_id")
