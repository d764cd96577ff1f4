"""The data model: organisations, their assets, and the provenance of every load.

Typed SQLAlchemy 2 models over PostGIS. Models hold no behaviour that touches a
session: callers own transactions (an ETL batch, a web request, a CLI command).

Design notes
------------
* Geometry columns have concrete types in :data:`estate.crs.STORAGE_SRID`
  (British National Grid) so distances are metres and indexes are used directly.
  GeoAlchemy2's implicit spatial index is off; the GiST indexes are declared
  explicitly so the migrations and the models compare equal.
* Money is ``numeric(14, 2)`` pounds: exact, summable, never float.
* Vocabulary columns keep the canonical word (CHECK-constrained from
  :mod:`estate.vocab`) and the publisher's raw word beside it.
* UPRN is text (leading zeros and the publisher's form are kept) with its
  normalised number in ``uprn_number`` for matching.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    Text,
    UniqueConstraint,
    column,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from estate.crs import STORAGE_SRID
from estate.vocab import (
    BODY_KIND,
    CONDITION,
    HOLDING,
    LISTED,
    LOCATION_METHOD,
    OCCUPANCY,
    STATUS,
    TENURE,
    USE_CLASS,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

LOAD_STATUSES = ("running", "committed", "failed", "dry_run")

MATCHING_STATES = ("pending", "done")
"""A committed load that wrote assets owes a matching across bodies: ``pending`` from the
load's own transaction until a matching run marks it ``done`` (null: nothing to match)."""

Money = Numeric(14, 2)
AreaM2 = Numeric(12, 2)


class Base(DeclarativeBase):
    """The declarative base of every table; its naming convention gives constraints and indexes
    stable names, so migrations can name them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSONB}


def _now() -> Any:
    return func.now()


class Organisation(Base):
    """A public body of the locality: a council, an NHS body, a police force, a fire service."""

    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint(BODY_KIND.check_sql("kind"), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())

    assets: Mapped[list[Asset]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"Organisation({self.code!r}, {self.kind!r})"


class LoadBatch(Base):
    """One load of one file: what was read and what became of every row."""

    __tablename__ = "load_batches"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in LOAD_STATUSES) + ")", name="status"
        ),
        CheckConstraint(
            "matching IN (" + ", ".join(f"'{s}'" for s in MATCHING_STATES) + ")",
            name="matching",
        ),
        CheckConstraint("register IN ('full', 'partial')", name="register"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    source_file: Mapped[str] = mapped_column(Text)
    source_format: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    status: Mapped[str] = mapped_column(Text, server_default="running")
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rows_read: Mapped[int] = mapped_column(Integer, server_default="0")
    rows_inserted: Mapped[int] = mapped_column(Integer, server_default="0")
    rows_updated: Mapped[int] = mapped_column(Integer, server_default="0")
    rows_unchanged: Mapped[int] = mapped_column(Integer, server_default="0")
    rows_merged: Mapped[int] = mapped_column(Integer, server_default="0")
    rows_rejected: Mapped[int] = mapped_column(Integer, server_default="0")
    options: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    mapping: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """The mapping of the file's columns to fields the load used, with the reasons (see
    :mod:`estate.etl.recognise.report`)."""
    loaded_by: Mapped[str | None] = mapped_column(Text)
    matching: Mapped[str | None] = mapped_column(Text)
    """Whether the load's assets are still to be matched with other bodies' (see
    :data:`MATCHING_STATES`)."""
    register: Mapped[str | None] = mapped_column(Text)
    """``full``: the file is its bodies' whole register (their assets missing from it are
    retired); ``partial``: it adds to or corrects a register and retires nothing."""
    as_at: Mapped[dt.date | None] = mapped_column(Date)
    """The date the file's register is as at: a newer register replaces an older one,
    an older one loaded later changes nothing newer (:mod:`estate.etl.load.register_dates`)."""
    as_at_from: Mapped[str | None] = mapped_column(Text)
    """Where :attr:`as_at` came from, in words ("the file name's 2016_17: a financial year")."""

    rejections: Mapped[list[Rejection]] = relationship(
        back_populates="batch", cascade="all, delete-orphan"
    )


PROBLEM_KINDS = ("rejection", "warning")
"""What a load's problem with a row is: the row was not loaded (``rejection``), or it
was, without a value or with it read otherwise (``warning``)."""


class Rejection(Base):
    """A row that could not be loaded, or a cell of a loaded row that could not be read as
    written, and why, in words a person can act on (``kind``: :data:`PROBLEM_KINDS`)."""

    __tablename__ = "rejections"
    __table_args__ = (
        Index(None, "batch_id", "row_number"),
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in PROBLEM_KINDS) + ")", name="kind"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("load_batches.id", ondelete="CASCADE"))
    source_file: Mapped[str] = mapped_column(Text)
    row_number: Mapped[int] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(Text)
    """``rejection`` or ``warning``; NULL (a writer that does not say, and every row
    recorded before warnings were told apart) is read as a rejection."""

    batch: Mapped[LoadBatch] = relationship(back_populates="rejections")


MATCH_METHODS = ("uprn", "proximity_name")


class RegisterChange(Base):
    """What one load did to one body's register, from the register held to the file's:
    assets added, changed, unchanged, re-coded (a new reference linked to the asset it
    was), retired (not in the file), back (retired, and in the file again), and left as a
    newer register has them (the file is older). ``estate loads`` and the data-quality page
    show them; the newest full register of a body decides whether a file is older."""

    __tablename__ = "register_changes"

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("load_batches.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    added: Mapped[int] = mapped_column(Integer, server_default="0")
    changed: Mapped[int] = mapped_column(Integer, server_default="0")
    unchanged: Mapped[int] = mapped_column(Integer, server_default="0")
    recoded: Mapped[int] = mapped_column(Integer, server_default="0")
    retired: Mapped[int] = mapped_column(Integer, server_default="0")
    unretired: Mapped[int] = mapped_column(Integer, server_default="0")
    kept_newer: Mapped[int] = mapped_column(Integer, server_default="0")
    previous_as_at: Mapped[dt.date | None] = mapped_column(Date)
    """The as-at date of the body's register before this load (None: none known)."""


class AssetMatch(Base):
    """Two bodies' records of the same place: one place, each body's interest kept.

    Found by the same UPRN, or by lying within a few metres with similar names; the
    method and the evidence (distance, name similarity) are kept so a person can
    judge the match.
    """

    __tablename__ = "asset_matches"
    __table_args__ = (
        UniqueConstraint("asset_id", "other_id"),
        CheckConstraint("asset_id < other_id", name="ordered"),
        CheckConstraint(
            "method IN (" + ", ".join(f"'{m}'" for m in MATCH_METHODS) + ")", name="method"
        ),
        Index(None, "other_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(Text)
    distance_m: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    name_similarity: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class Asset(Base):
    """One holding of one organisation at one place, with its provenance."""

    __tablename__ = "assets"
    __table_args__ = (
        UniqueConstraint("organisation_id", "source_ref"),
        CheckConstraint(TENURE.check_sql("tenure"), name="tenure"),
        CheckConstraint(OCCUPANCY.check_sql("occupancy"), name="occupancy"),
        CheckConstraint(HOLDING.check_sql("holding"), name="holding"),
        CheckConstraint(USE_CLASS.check_sql("use_class"), name="use_class"),
        CheckConstraint(CONDITION.check_sql("condition"), name="condition"),
        CheckConstraint(STATUS.check_sql("status"), name="status"),
        CheckConstraint(LISTED.check_sql("listed_grade"), name="listed_grade"),
        CheckConstraint(LOCATION_METHOD.check_sql("location_method"), name="location_method"),
        CheckConstraint("uprn_number BETWEEN 1 AND 999999999999", name="uprn_number"),
        CheckConstraint(
            "gia_m2 >= 0 AND nia_m2 >= 0 AND site_area_m2 >= 0", name="areas_not_negative"
        ),
        CheckConstraint("occupants_fte >= 0 AND workstations >= 0", name="occupancy_not_negative"),
        Index(None, "geom", postgresql_using="gist"),
        # The few sensitive points, for box queries that generalise them (estate.sharing).
        Index(
            "ix_assets_geom_sensitive",
            "geom",
            postgresql_using="gist",
            postgresql_where=column("sensitive"),
        ),
        Index(None, "footprint", postgresql_using="gist"),
        Index(None, "uprn_number"),
        Index(None, "load_batch_id"),
        # A body's leases coming onto its radar (estate.updates): the few assets with one.
        Index(
            None,
            "organisation_id",
            "lease_break",
            postgresql_where=column("lease_break").isnot(None),
        ),
        Index(
            None, "organisation_id", "lease_end", postgresql_where=column("lease_end").isnot(None)
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    source_ref: Mapped[str] = mapped_column(Text)

    # Identity and address
    uprn: Mapped[str | None] = mapped_column(Text)
    uprn_number: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    town: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(Text)

    # Classification: canonical word, and the publisher's own
    use_class: Mapped[str | None] = mapped_column(Text)
    use_raw: Mapped[str | None] = mapped_column(Text)
    tenure: Mapped[str | None] = mapped_column(Text)
    tenure_raw: Mapped[str | None] = mapped_column(Text)
    occupancy: Mapped[str | None] = mapped_column(Text)
    occupancy_raw: Mapped[str | None] = mapped_column(Text)
    holding: Mapped[str | None] = mapped_column(Text)
    holding_raw: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="operational")
    condition: Mapped[str | None] = mapped_column(Text)
    listed_grade: Mapped[str | None] = mapped_column(Text)
    energy_rating: Mapped[str | None] = mapped_column(Text)
    sensitive: Mapped[bool] = mapped_column(Boolean, server_default="false")

    # Where
    geom = mapped_column(Geometry("POINT", srid=STORAGE_SRID, spatial_index=False))
    footprint = mapped_column(Geometry("MULTIPOLYGON", srid=STORAGE_SRID, spatial_index=False))
    location_method: Mapped[str] = mapped_column(Text, server_default="none")
    quality_flags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")

    # Size and use
    gia_m2: Mapped[Decimal | None] = mapped_column(AreaM2)
    nia_m2: Mapped[Decimal | None] = mapped_column(AreaM2)
    site_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    workstations: Mapped[int | None] = mapped_column(Integer)
    occupants_fte: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))

    # Annual running costs (pounds)
    rent: Mapped[Decimal | None] = mapped_column(Money)
    rates: Mapped[Decimal | None] = mapped_column(Money)
    fm_cost: Mapped[Decimal | None] = mapped_column(Money)
    energy_cost: Mapped[Decimal | None] = mapped_column(Money)
    maintenance_cost: Mapped[Decimal | None] = mapped_column(Money)
    backlog_cost: Mapped[Decimal | None] = mapped_column(Money)

    # Value and lease
    valuation: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    valuation_basis: Mapped[str | None] = mapped_column(Text)
    valuation_date: Mapped[dt.date | None] = mapped_column(Date)
    lease_end: Mapped[dt.date | None] = mapped_column(Date)
    lease_break: Mapped[dt.date | None] = mapped_column(Date)
    effective_date: Mapped[dt.date | None] = mapped_column(Date)

    # Provenance
    load_batch_id: Mapped[int | None] = mapped_column(ForeignKey("load_batches.id"))
    source_file: Mapped[str | None] = mapped_column(Text)
    source_row: Mapped[int | None] = mapped_column(Integer)
    record_hash: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    edited: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    """Fields a person corrected in the web: ``{field: {"by": user, "at": time}}``. A later
    load keeps these values and records a conflict where its file says otherwise."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())

    # Retirement: an asset its body's newer register no longer lists is kept, not deleted
    # (its history and matches stay); every reading of the register leaves it out
    # (:mod:`estate.current`).
    retired_at: Mapped[dt.date | None] = mapped_column(Date)
    retired_reason: Mapped[str | None] = mapped_column(Text)
    retired_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("load_batches.id", ondelete="SET NULL")
    )

    organisation: Mapped[Organisation] = relationship(back_populates="assets")

    @property
    def running_cost(self) -> Decimal:
        """Annual running cost: rent, rates, FM, energy and maintenance (missing heads as 0)."""
        heads = (self.rent, self.rates, self.fm_cost, self.energy_cost, self.maintenance_cost)
        return sum((h for h in heads if h is not None), Decimal(0))

    def __repr__(self) -> str:
        return f"Asset({self.source_ref!r}, {self.name!r})"


class Scenario(Base):
    """A named set of moves and disposals, with the assumptions its schedules rest on.

    Assumptions are columns, not a JSON blob, so every schedule figure can name the
    assumption behind it and a finance team can read them on the assumptions sheet.
    """

    __tablename__ = "scenarios"
    __table_args__ = (
        CheckConstraint("discount_rate >= 0 AND discount_rate < 1", name="discount_rate"),
        CheckConstraint("horizon_years BETWEEN 1 AND 60", name="horizon_years"),
        CheckConstraint("sale_cost_share >= 0 AND sale_cost_share < 1", name="sale_cost_share"),
        CheckConstraint("status IN ('draft', 'proposed', 'agreed')", name="status"),
        CheckConstraint(
            "relocation_cost_per_fte >= 0 AND refit_cost_per_m2 >= 0 AND nia_per_fte_m2 > 0",
            name="costs_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    first_year: Mapped[int] = mapped_column(Integer)
    discount_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    horizon_years: Mapped[int] = mapped_column(Integer)
    relocation_cost_per_fte: Mapped[Decimal] = mapped_column(Money, server_default="0")
    refit_cost_per_m2: Mapped[Decimal] = mapped_column(Money, server_default="0")
    sale_cost_share: Mapped[Decimal] = mapped_column(Numeric(6, 4), server_default="0")
    receiving_cost_per_m2: Mapped[Decimal | None] = mapped_column(Money)
    nia_per_fte_m2: Mapped[Decimal] = mapped_column(Numeric(8, 2), server_default="8")
    # draft -> proposed -> agreed; an agreed scenario is read-only (who and when: the
    # audit trail).
    status: Mapped[str] = mapped_column(Text, server_default="draft")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())

    moves: Mapped[list[ScenarioMove]] = relationship(
        back_populates="scenario", cascade="all, delete-orphan", order_by="ScenarioMove.id"
    )


class ScenarioMove(Base):
    """One asset exited in a scenario: when, to where its occupants go, and what it fetches.

    ``receipt`` and ``fte`` override the asset's own valuation and occupants when a
    person knows better; left empty, the schedule takes them from the asset row.
    """

    __tablename__ = "scenario_moves"
    __table_args__ = (
        UniqueConstraint("scenario_id", "asset_id"),
        CheckConstraint("receiving_asset_id IS DISTINCT FROM asset_id", name="receiving_other"),
        CheckConstraint(
            "completion_date IS NULL OR completion_date >= exit_date", name="completion_after_exit"
        ),
        CheckConstraint("receipt >= 0 AND fte >= 0", name="not_negative"),
        Index(None, "asset_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    receiving_asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("assets.id", ondelete="SET NULL")
    )
    exit_date: Mapped[dt.date] = mapped_column(Date)
    completion_date: Mapped[dt.date | None] = mapped_column(Date)
    receipt: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    fte: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    notes: Mapped[str | None] = mapped_column(Text)
    # A person kept this move though it overfills its receiving site (flagged on the
    # schedule and in exports).
    room_override: Mapped[bool] = mapped_column(Boolean, server_default="false")

    scenario: Mapped[Scenario] = relationship(back_populates="moves")


class Area(Base):
    """A named area of the locality: its boundary, or a ward (or any other division).

    Areas are data, loaded like assets (``estate areas``), so the map draws them
    and summarises a ward by a join in the database, whoever serves it.
    """

    __tablename__ = "areas"
    __table_args__ = (
        UniqueConstraint("kind", "name"),
        CheckConstraint("kind IN ('boundary', 'ward')", name="kind"),
        Index(None, "geom", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=STORAGE_SRID, spatial_index=False))
    source_file: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


ROLES = ("viewer", "editor", "club_admin", "admin")
"""Roles, each able to do what the one before can: a viewer reads; an editor also edits
their own body's assets and posts its needs and offers; a club admin also manages every
body's needs and offers and resolves them; an admin also manages accounts."""

CLUB_STATUSES = ("open", "in_discussion", "agreed", "withdrawn")
OFFER_KINDS = ("space", "site")
CONFLICT_STATUSES = ("open", "kept", "taken")


def _in(column: str, words: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{w}'" for w in words) + ")"


class User(Base):
    """A person who signs in: one organisation, one role. Usernames are kept lower case."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint("username = lower(username) AND length(username) >= 2", name="username"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(Text, unique=True)
    full_name: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    email: Mapped[str | None] = mapped_column(Text)
    """Where the notices and password resets go, when the server can send mail."""
    last_looked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    """When the person last opened "since you last looked" (:mod:`estate.updates`)."""
    last_mailed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    """When ``estate notify`` last mailed them what changed, so a mail never repeats."""

    organisation: Mapped[Organisation] = relationship()


class SignInAttempt(Base):
    """Every sign-in attempt, kept so the rate limit holds across server workers."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index(None, "username", "at"), Index(None, "address", "at"))

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    username: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    succeeded: Mapped[bool] = mapped_column(Boolean)


SESSION_ENDINGS = ("signed_out", "signed_in_again", "password_changed", "disabled")
"""Why a session was ended before its time (one that ran out of time is not marked)."""


class SignInSession(Base):
    """One sign-in through the form, held on the server so that it can be ended there.

    The browser's signed cookie carries a random token; the record is kept under the
    token's SHA-256, so a copy of this table opens no session. Signing out, a password
    changed and an account disabled set ``ended_at``; a cookie copied before then is
    refused after it (:mod:`estate.sessions`).
    """

    __tablename__ = "sessions"
    __table_args__ = (
        Index(None, "user_id"),
        CheckConstraint(_in("ended_why", SESSION_ENDINGS), name="ended_why"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    last_seen_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=_now()
    )
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    ended_why: Mapped[str | None] = mapped_column(Text)


class AnalysisResult(Base):
    """An analysis result (co-location clusters, disposal candidates) as one worker
    computed it, kept so every worker of the server serves it without computing it again.

    ``key`` names the data version, the viewer's sharing view and the parameters
    (:mod:`estate.resultstore`); ``payload`` is the result packed by
    :mod:`estate.analysis.packing` (Arrow, never pickle). A new data version makes the
    older rows unreachable; they are deleted as new ones come in.
    """

    __tablename__ = "analysis_results"
    __table_args__ = (Index(None, "created_at"),)

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    data_version: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    payload: Mapped[bytes] = mapped_column(LargeBinary)


class AuditEvent(Base):
    """One change to the register or the club: who, when, what (before and after), and why.

    ``changes`` is ``{field: [before, after]}``. A load writes one event per asset it
    updates and one per batch for the assets it inserts (each inserted asset names its
    batch, file and row), so a million-row first load does not write a million events.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index(None, "asset_id", "at"),
        Index(None, "organisation_id", "at"),
        Index(None, "subject", "subject_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    subject: Mapped[str] = mapped_column(Text)
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("load_batches.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    reason: Mapped[str | None] = mapped_column(Text)


class EditConflict(Base):
    """A load's file disagreeing with a value a person set in the web.

    The web value stays until someone resolves the conflict: ``kept`` (the file is wrong;
    the same file value is not raised again) or ``taken`` (the file value is written).
    """

    __tablename__ = "edit_conflicts"
    __table_args__ = (
        CheckConstraint(_in("status", CONFLICT_STATUSES), name="status"),
        Index(None, "asset_id", "field", unique=True, postgresql_where=column("status") == "open"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("load_batches.id", ondelete="SET NULL"))
    field: Mapped[str] = mapped_column(Text)
    web_value: Mapped[Any | None] = mapped_column(JSONB)
    file_value: Mapped[Any | None] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(Text, server_default="open")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Need(Base):
    """A body's need for space, posted to the property club: what, how much, where, by when."""

    __tablename__ = "club_needs"
    __table_args__ = (
        CheckConstraint(_in("status", CLUB_STATUSES), name="status"),
        CheckConstraint(USE_CLASS.check_sql("use_class"), name="use_class"),
        CheckConstraint("min_m2 > 0 AND (max_m2 IS NULL OR max_m2 >= min_m2)", name="size"),
        CheckConstraint("radius_m > 0", name="radius"),
        Index(None, "geom", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    title: Mapped[str] = mapped_column(Text)
    use_class: Mapped[str | None] = mapped_column(Text)
    min_m2: Mapped[Decimal] = mapped_column(AreaM2)
    max_m2: Mapped[Decimal | None] = mapped_column(AreaM2)
    geom = mapped_column(Geometry("POINT", srid=STORAGE_SRID, spatial_index=False))
    radius_m: Mapped[Decimal] = mapped_column(Numeric(10, 1))
    needed_by: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text, server_default="open")
    notes: Mapped[str | None] = mapped_column(Text)
    # The asset whose point the need took, if any: its sharing follows the asset's.
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    agreed_offer_id: Mapped[int | None] = mapped_column(
        ForeignKey("club_offers.id", ondelete="SET NULL")
    )
    agreed_asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("assets.id", ondelete="SET NULL")
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())

    organisation: Mapped[Organisation] = relationship()


class Offer(Base):
    """Spare space or a whole site a body offers to the club, and from when."""

    __tablename__ = "club_offers"
    __table_args__ = (
        CheckConstraint(_in("status", CLUB_STATUSES), name="status"),
        CheckConstraint(_in("kind", OFFER_KINDS), name="kind"),
        CheckConstraint(USE_CLASS.check_sql("use_class"), name="use_class"),
        CheckConstraint("area_m2 > 0", name="area"),
        CheckConstraint(
            "available_until IS NULL OR available_until >= available_from", name="dates"
        ),
        Index(None, "geom", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    use_class: Mapped[str | None] = mapped_column(Text)
    area_m2: Mapped[Decimal] = mapped_column(AreaM2)
    geom = mapped_column(Geometry("POINT", srid=STORAGE_SRID, spatial_index=False))
    available_from: Mapped[dt.date] = mapped_column(Date)
    available_until: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text, server_default="open")
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())

    organisation: Mapped[Organisation] = relationship()


class AssetDisposal(Base):
    """When and why a body disposed of one of its assets (its status then reads
    ``disposed``), as a person recorded it in the web. Kept beside the asset rather than
    on it, so a later load of the body's file, which knows nothing of it, cannot erase it."""

    __tablename__ = "asset_disposals"

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    disposed_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


SURPLUS_STATUSES = ("offered", "released", "agreed", "withdrawn")
"""An entry of the surplus register: offered to the partners, then released for disposal on
the open market, agreed to a partner, or withdrawn by its owner (the asset kept)."""


class SurplusEntry(Base):
    """An asset a body declared surplus, offered to the other bodies of the partnership
    before the open market, until ``ends_on`` (a number of working days after it was
    offered, ``ESTATE_SURPLUS_OFFER_DAYS``)."""

    __tablename__ = "surplus_entries"
    __table_args__ = (
        CheckConstraint(_in("status", SURPLUS_STATUSES), name="status"),
        CheckConstraint("ends_on >= offered_on", name="period"),
        # One live offer of an asset at a time.
        Index(None, "asset_id", unique=True, postgresql_where=column("status") == "offered"),
        Index(None, "offered_at"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    status: Mapped[str] = mapped_column(Text, server_default="offered")
    offered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    offered_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agreed_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    agreed_offer_id: Mapped[int | None] = mapped_column(
        ForeignKey("club_offers.id", ondelete="SET NULL")
    )


class SurplusResponse(Base):
    """One other body's answer to a surplus entry: interested (and for which need) or not,
    with a note. A body answers once; answering again replaces its answer."""

    __tablename__ = "surplus_responses"
    __table_args__ = (
        UniqueConstraint("entry_id", "organisation_id"),
        Index(None, "responded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("surplus_entries.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    interested: Mapped[bool] = mapped_column(Boolean)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("club_needs.id", ondelete="SET NULL"))
    need_text: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    responded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=_now()
    )


class PasswordReset(Base):
    """A one-time link to set a new password, made by the body's admin: the link carries a
    random token, kept here only as its SHA-256; it works once, and not after
    ``expires_at``."""

    __tablename__ = "password_resets"
    __table_args__ = (Index(None, "user_id"),)

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
