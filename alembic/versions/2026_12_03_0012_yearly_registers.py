"""yearly registers: a register as at a date, retired assets, each load's change per body

A body's yearly return is its whole register as at a date. Loaded after the last one,
it replaces it: the body's assets missing from it are retired (kept, with the date, the
reason and the batch, never deleted), and what each load did to each body's register is
recorded in ``register_changes``. ``load_batches`` says whether its file was a full
register or a partial one, and the date it is as at.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("load_batches", sa.Column("register", sa.Text(), nullable=True))
    op.add_column("load_batches", sa.Column("as_at", sa.Date(), nullable=True))
    op.add_column("load_batches", sa.Column("as_at_from", sa.Text(), nullable=True))
    op.create_check_constraint(
        op.f("ck_load_batches_register"), "load_batches", "register IN ('full', 'partial')"
    )
    op.add_column("assets", sa.Column("retired_at", sa.Date(), nullable=True))
    op.add_column("assets", sa.Column("retired_reason", sa.Text(), nullable=True))
    op.add_column("assets", sa.Column("retired_batch_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_assets_retired_batch_id_load_batches"),
        "assets",
        "load_batches",
        ["retired_batch_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_table(
        "register_changes",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), server_default="0", nullable=False)
            for name in (
                "added",
                "changed",
                "unchanged",
                "recoded",
                "retired",
                "unretired",
                "kept_newer",
            )
        ),  # fmt: skip
        sa.Column("previous_as_at", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["load_batches.id"],
            name=op.f("fk_register_changes_batch_id_load_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_register_changes_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "organisation_id", name=op.f("pk_register_changes")),
    )


def downgrade() -> None:
    op.drop_table("register_changes")
    op.drop_constraint(
        op.f("fk_assets_retired_batch_id_load_batches"), "assets", type_="foreignkey"
    )
    op.drop_column("assets", "retired_batch_id")
    op.drop_column("assets", "retired_reason")
    op.drop_column("assets", "retired_at")
    op.drop_constraint(op.f("ck_load_batches_register"), "load_batches", type_="check")
    op.drop_column("load_batches", "as_at_from")
    op.drop_column("load_batches", "as_at")
    op.drop_column("load_batches", "register")
