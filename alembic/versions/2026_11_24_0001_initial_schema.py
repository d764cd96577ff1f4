"""initial schema: organisations, assets, load batches, rejections

Creates the PostGIS extension first: the geometry types of ``assets`` need it.
Vocabulary CHECK constraints are written out in full (not imported from
``estate.vocab``) so this migration means the same thing forever; a change of
vocabulary is a new migration.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("uri", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('council', 'nhs', 'police', 'fire', 'other')",
            name=op.f("ck_organisations_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("code", name=op.f("uq_organisations_code")),
    )
    op.create_table(
        "load_batches",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("source_format", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.Text(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.Text(), server_default="running", nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows_read", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_inserted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_updated", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_unchanged", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_merged", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_rejected", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "options", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("loaded_by", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'committed', 'failed', 'dry_run')",
            name=op.f("ck_load_batches_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_load_batches_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_load_batches")),
    )
    op.create_geospatial_table(
        "assets",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("source_ref", sa.Text(), nullable=False),
        sa.Column("uprn", sa.Text(), nullable=True),
        sa.Column("uprn_number", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("town", sa.Text(), nullable=True),
        sa.Column("postcode", sa.Text(), nullable=True),
        sa.Column("use_class", sa.Text(), nullable=True),
        sa.Column("use_raw", sa.Text(), nullable=True),
        sa.Column("tenure", sa.Text(), nullable=True),
        sa.Column("tenure_raw", sa.Text(), nullable=True),
        sa.Column("occupancy", sa.Text(), nullable=True),
        sa.Column("occupancy_raw", sa.Text(), nullable=True),
        sa.Column("holding", sa.Text(), nullable=True),
        sa.Column("holding_raw", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="operational", nullable=False),
        sa.Column("condition", sa.Text(), nullable=True),
        sa.Column("listed_grade", sa.Text(), nullable=True),
        sa.Column("energy_rating", sa.Text(), nullable=True),
        sa.Column("sensitive", sa.Boolean(), server_default="false", nullable=False),
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
        sa.Column(
            "footprint",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=27700,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("location_method", sa.Text(), server_default="none", nullable=False),
        sa.Column(
            "quality_flags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("gia_m2", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("nia_m2", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("site_area_m2", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("workstations", sa.Integer(), nullable=True),
        sa.Column("occupants_fte", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("rent", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("rates", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("fm_cost", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("energy_cost", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("maintenance_cost", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("backlog_cost", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("valuation", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("valuation_basis", sa.Text(), nullable=True),
        sa.Column("valuation_date", sa.Date(), nullable=True),
        sa.Column("lease_end", sa.Date(), nullable=True),
        sa.Column("lease_break", sa.Date(), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("load_batch_id", sa.Integer(), nullable=True),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("record_hash", sa.Text(), nullable=True),
        sa.Column(
            "extra", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
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
        sa.CheckConstraint("condition IN ('A', 'B', 'C', 'D')", name=op.f("ck_assets_condition")),
        sa.CheckConstraint(
            "holding IN ('land', 'building', 'land_and_building')", name=op.f("ck_assets_holding")
        ),
        sa.CheckConstraint(
            "listed_grade IN ('I', 'II*', 'II', 'local')", name=op.f("ck_assets_listed_grade")
        ),
        sa.CheckConstraint(
            "location_method IN ('bng', 'lonlat', 'lonlat_swapped', 'polygon', 'postcode', 'postcode_district', 'matched', 'manual', 'none')",
            name=op.f("ck_assets_location_method"),
        ),
        sa.CheckConstraint(
            "occupancy IN ('occupied', 'let', 'shared', 'vacant', 'other')",
            name=op.f("ck_assets_occupancy"),
        ),
        sa.CheckConstraint(
            "status IN ('operational', 'under_used', 'surplus', 'in_disposal', 'disposed')",
            name=op.f("ck_assets_status"),
        ),
        sa.CheckConstraint(
            "tenure IN ('freehold', 'leasehold', 'licence', 'other')", name=op.f("ck_assets_tenure")
        ),
        sa.CheckConstraint(
            "use_class IN ('office', 'depot', 'library', 'leisure', 'community_centre', 'school', 'children_centre', 'care_home', 'health_centre', 'hospital', 'clinic', 'ambulance_station', 'fire_station', 'police_station', 'custody', 'town_hall', 'car_park', 'housing', 'commercial', 'heritage', 'cemetery', 'open_space', 'allotment', 'land', 'training', 'workshop', 'other')",
            name=op.f("ck_assets_use_class"),
        ),
        sa.CheckConstraint(
            "gia_m2 >= 0 AND nia_m2 >= 0 AND site_area_m2 >= 0",
            name=op.f("ck_assets_areas_not_negative"),
        ),
        sa.CheckConstraint(
            "occupants_fte >= 0 AND workstations >= 0",
            name=op.f("ck_assets_occupancy_not_negative"),
        ),
        sa.CheckConstraint(
            "uprn_number BETWEEN 1 AND 999999999999", name=op.f("ck_assets_uprn_number")
        ),
        sa.ForeignKeyConstraint(
            ["load_batch_id"],
            ["load_batches.id"],
            name=op.f("fk_assets_load_batch_id_load_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_assets_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
        sa.UniqueConstraint(
            "organisation_id", "source_ref", name=op.f("uq_assets_organisation_id_source_ref")
        ),
    )
    op.create_geospatial_index(
        op.f("ix_assets_footprint"),
        "assets",
        ["footprint"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_index(
        op.f("ix_assets_geom"),
        "assets",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_assets_load_batch_id"), "assets", ["load_batch_id"], unique=False)
    op.create_index(op.f("ix_assets_postcode"), "assets", ["postcode"], unique=False)
    op.create_index(op.f("ix_assets_uprn_number"), "assets", ["uprn_number"], unique=False)
    op.create_table(
        "rejections",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["load_batches.id"],
            name=op.f("fk_rejections_batch_id_load_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejections")),
    )
    op.create_index(
        op.f("ix_rejections_batch_id_row_number"),
        "rejections",
        ["batch_id", "row_number"],
        unique=False,
    )


def downgrade() -> None:
    # The postgis extension stays: other schemas of the database may use it.
    op.drop_index(op.f("ix_rejections_batch_id_row_number"), table_name="rejections")
    op.drop_table("rejections")
    op.drop_index(op.f("ix_assets_uprn_number"), table_name="assets")
    op.drop_index(op.f("ix_assets_postcode"), table_name="assets")
    op.drop_index(op.f("ix_assets_load_batch_id"), table_name="assets")
    op.drop_geospatial_index(
        op.f("ix_assets_geom"), table_name="assets", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_index(
        op.f("ix_assets_footprint"),
        table_name="assets",
        postgresql_using="gist",
        column_name="footprint",
    )
    op.drop_geospatial_table("assets")
    op.drop_table("load_batches")
    op.drop_table("organisations")
