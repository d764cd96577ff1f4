"""accounts, sign-in attempts, audit events, edit conflicts, the property club

Users belong to one body with one role; every change is an audit event; a web edit
is marked on its asset (``assets.edited``) so a later load raises a conflict instead
of overwriting it; needs and offers are the property club's register.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_attempts")),
    )
    op.create_index(
        op.f("ix_sign_in_attempts_address_at"), "sign_in_attempts", ["address", "at"], unique=False
    )
    op.create_index(
        op.f("ix_sign_in_attempts_username_at"),
        "sign_in_attempts",
        ["username", "at"],
        unique=False,
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('viewer', 'editor', 'club_admin', 'admin')", name=op.f("ck_users_role")
        ),
        sa.CheckConstraint(
            "username = lower(username) AND length(username) >= 2", name=op.f("ck_users_username")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_users_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=True),
        sa.Column("asset_id", sa.BigInteger(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column(
            "changes", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_audit_events_asset_id_assets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["load_batches.id"],
            name=op.f("fk_audit_events_batch_id_load_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_audit_events_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        op.f("ix_audit_events_asset_id_at"), "audit_events", ["asset_id", "at"], unique=False
    )
    op.create_index(
        op.f("ix_audit_events_organisation_id_at"),
        "audit_events",
        ["organisation_id", "at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_audit_events_subject_subject_id"),
        "audit_events",
        ["subject", "subject_id"],
        unique=False,
    )
    op.create_geospatial_table(
        "club_offers",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("asset_id", sa.BigInteger(), nullable=True),
        sa.Column("use_class", sa.Text(), nullable=True),
        sa.Column("area_m2", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=27700,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("available_from", sa.Date(), nullable=False),
        sa.Column("available_until", sa.Date(), nullable=True),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('space', 'site')", name=op.f("ck_club_offers_kind")),
        sa.CheckConstraint(
            "status IN ('open', 'in_discussion', 'agreed', 'withdrawn')",
            name=op.f("ck_club_offers_status"),
        ),
        sa.CheckConstraint(
            "use_class IN ('office', 'depot', 'library', 'leisure', 'community_centre', 'school', 'children_centre', 'care_home', 'health_centre', 'hospital', 'clinic', 'ambulance_station', 'fire_station', 'police_station', 'custody', 'town_hall', 'car_park', 'housing', 'commercial', 'heritage', 'cemetery', 'open_space', 'allotment', 'land', 'training', 'workshop', 'other')",
            name=op.f("ck_club_offers_use_class"),
        ),
        sa.CheckConstraint("area_m2 > 0", name=op.f("ck_club_offers_area")),
        sa.CheckConstraint(
            "available_until IS NULL OR available_until >= available_from",
            name=op.f("ck_club_offers_dates"),
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_club_offers_asset_id_assets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_club_offers_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_club_offers_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_club_offers")),
    )
    op.create_geospatial_index(
        op.f("ix_club_offers_geom"),
        "club_offers",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "edit_conflicts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("asset_id", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("web_value", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("file_value", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'kept', 'taken')", name=op.f("ck_edit_conflicts_status")
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_edit_conflicts_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["load_batches.id"],
            name=op.f("fk_edit_conflicts_batch_id_load_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"], ["users.id"], name=op.f("fk_edit_conflicts_resolved_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edit_conflicts")),
    )
    op.create_index(
        op.f("ix_edit_conflicts_asset_id_field"),
        "edit_conflicts",
        ["asset_id", "field"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_geospatial_table(
        "club_needs",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("use_class", sa.Text(), nullable=True),
        sa.Column("min_m2", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("max_m2", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=27700,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("radius_m", sa.Numeric(precision=10, scale=1), nullable=False),
        sa.Column("needed_by", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("agreed_offer_id", sa.Integer(), nullable=True),
        sa.Column("agreed_asset_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('open', 'in_discussion', 'agreed', 'withdrawn')",
            name=op.f("ck_club_needs_status"),
        ),
        sa.CheckConstraint(
            "use_class IN ('office', 'depot', 'library', 'leisure', 'community_centre', 'school', 'children_centre', 'care_home', 'health_centre', 'hospital', 'clinic', 'ambulance_station', 'fire_station', 'police_station', 'custody', 'town_hall', 'car_park', 'housing', 'commercial', 'heritage', 'cemetery', 'open_space', 'allotment', 'land', 'training', 'workshop', 'other')",
            name=op.f("ck_club_needs_use_class"),
        ),
        sa.CheckConstraint(
            "min_m2 > 0 AND (max_m2 IS NULL OR max_m2 >= min_m2)", name=op.f("ck_club_needs_size")
        ),
        sa.CheckConstraint("radius_m > 0", name=op.f("ck_club_needs_radius")),
        sa.ForeignKeyConstraint(
            ["agreed_asset_id"],
            ["assets.id"],
            name=op.f("fk_club_needs_agreed_asset_id_assets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["agreed_offer_id"],
            ["club_offers.id"],
            name=op.f("fk_club_needs_agreed_offer_id_club_offers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_club_needs_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_club_needs_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_club_needs")),
    )
    op.create_geospatial_index(
        op.f("ix_club_needs_geom"),
        "club_needs",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_assets_geom_sensitive",
        "assets",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_where=sa.text("sensitive"),
    )
    op.add_column(
        "assets",
        sa.Column(
            "edited", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_index("ix_assets_geom_sensitive", table_name="assets", postgresql_using="gist")
    op.drop_column("assets", "edited")
    op.drop_geospatial_index(
        op.f("ix_club_needs_geom"),
        table_name="club_needs",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("club_needs")
    op.drop_index(
        op.f("ix_edit_conflicts_asset_id_field"),
        table_name="edit_conflicts",
        postgresql_where=sa.text("status = 'open'"),
    )
    op.drop_table("edit_conflicts")
    op.drop_geospatial_index(
        op.f("ix_club_offers_geom"),
        table_name="club_offers",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("club_offers")
    op.drop_index(op.f("ix_audit_events_subject_subject_id"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_organisation_id_at"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_asset_id_at"), table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_table("users")
    op.drop_index(op.f("ix_sign_in_attempts_username_at"), table_name="sign_in_attempts")
    op.drop_index(op.f("ix_sign_in_attempts_address_at"), table_name="sign_in_attempts")
    op.drop_table("sign_in_attempts")
