"""partnership: the surplus register, disposals recorded, password resets, and what each
person last looked at

A body offering a surplus asset to its partners before the open market needs the offer
(``surplus_entries``, one live one per asset) and each partner's answer
(``surplus_responses``, one per body). A disposal recorded in the web keeps its date and
reason beside the asset (``asset_disposals``), where a load cannot erase it. A password
reset link is a token kept only hashed (``password_resets``). And each person's
"since you last looked" needs when they last looked and were last mailed, and where to
mail them (``users.email``, ``last_looked_at``, ``last_mailed_at``).

Revision ID: 0016
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_password_resets_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_resets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
    )
    op.create_index(
        op.f("ix_password_resets_user_id"), "password_resets", ["user_id"], unique=False
    )
    op.create_table(
        "asset_disposals",
        sa.Column("asset_id", sa.BigInteger(), nullable=False),
        sa.Column("disposed_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_asset_disposals_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_asset_disposals_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("asset_id", name=op.f("pk_asset_disposals")),
    )
    op.create_table(
        "surplus_entries",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("asset_id", sa.BigInteger(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), server_default="offered", nullable=False),
        sa.Column(
            "offered_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("offered_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("agreed_organisation_id", sa.Integer(), nullable=True),
        sa.Column("agreed_offer_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('offered', 'released', 'agreed', 'withdrawn')",
            name=op.f("ck_surplus_entries_status"),
        ),
        sa.CheckConstraint("ends_on >= offered_on", name=op.f("ck_surplus_entries_period")),
        sa.ForeignKeyConstraint(
            ["agreed_offer_id"],
            ["club_offers.id"],
            name=op.f("fk_surplus_entries_agreed_offer_id_club_offers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["agreed_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_surplus_entries_agreed_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_surplus_entries_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_surplus_entries_closed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_surplus_entries_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_surplus_entries_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surplus_entries")),
    )
    op.create_index(
        op.f("ix_surplus_entries_asset_id"),
        "surplus_entries",
        ["asset_id"],
        unique=True,
        postgresql_where=sa.text("status = 'offered'"),
    )
    op.create_index(
        op.f("ix_surplus_entries_offered_at"), "surplus_entries", ["offered_at"], unique=False
    )
    op.create_table(
        "surplus_responses",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("interested", sa.Boolean(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=True),
        sa.Column("need_text", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("responded_by", sa.Integer(), nullable=True),
        sa.Column(
            "responded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["surplus_entries.id"],
            name=op.f("fk_surplus_responses_entry_id_surplus_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["club_needs.id"],
            name=op.f("fk_surplus_responses_need_id_club_needs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_surplus_responses_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["responded_by"], ["users.id"], name=op.f("fk_surplus_responses_responded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surplus_responses")),
        sa.UniqueConstraint(
            "entry_id",
            "organisation_id",
            name=op.f("uq_surplus_responses_entry_id_organisation_id"),
        ),
    )
    op.create_index(
        op.f("ix_surplus_responses_responded_at"),
        "surplus_responses",
        ["responded_at"],
        unique=False,
    )
    for column in ("lease_break", "lease_end"):
        op.create_index(
            op.f(f"ix_assets_organisation_id_{column}"), "assets", ["organisation_id", column],
            unique=False, postgresql_where=sa.text(f"{column} IS NOT NULL"),
        )  # fmt: skip
    op.add_column("users", sa.Column("email", sa.Text(), nullable=True))
    op.add_column("users", sa.Column("last_looked_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("last_mailed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "last_mailed_at")
    op.drop_column("users", "last_looked_at")
    op.drop_column("users", "email")
    for column in ("lease_break", "lease_end"):
        op.drop_index(op.f(f"ix_assets_organisation_id_{column}"), table_name="assets")
    op.drop_index(op.f("ix_surplus_responses_responded_at"), table_name="surplus_responses")
    op.drop_table("surplus_responses")
    op.drop_index(op.f("ix_surplus_entries_offered_at"), table_name="surplus_entries")
    op.drop_index(
        op.f("ix_surplus_entries_asset_id"),
        table_name="surplus_entries",
        postgresql_where=sa.text("status = 'offered'"),
    )
    op.drop_table("surplus_entries")
    op.drop_table("asset_disposals")
    op.drop_index(op.f("ix_password_resets_user_id"), table_name="password_resets")
    op.drop_table("password_resets")
