"""assets: statistics only on the columns queries filter, join or group on; no index on
postcode

``ANALYZE assets`` ends every load that changes the register, and autovacuum runs it
again after large changes. It samples the table once, then computes statistics for
each column; half of the columns are never in a WHERE, JOIN or GROUP BY (costs,
valuations, lease dates, the publisher's raw words, provenance), and their statistics
cost about half the ANALYZE (0.45 s of 0.93 s at 100k assets) to help no plan.
``SET STATISTICS 0`` makes ANALYZE skip them; a query that filters on one later gets
the planner's default selectivity, which is what it had before the first ANALYZE.

No query looks assets up by ``postcode`` (the search compares a normalised form, which
a plain index cannot serve), so its index only cost every write: 0.09 s of a 100k
first load, 0.6 s of a 1M one, and an entry per updated row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Shown, exported, summed over whole tables; never a predicate.
UNPLANNED = (
    "address", "town", "uprn", "use_raw", "tenure_raw", "holding_raw", "occupancy_raw",
    "nia_m2", "site_area_m2", "occupants_fte", "workstations", "rent", "rates",
    "energy_cost", "fm_cost", "maintenance_cost", "backlog_cost", "valuation",
    "valuation_basis", "valuation_date", "lease_end", "lease_break", "energy_rating",
    "listed_grade", "effective_date", "source_file", "source_row", "record_hash", "extra",
    "edited", "created_at", "updated_at",
)  # fmt: skip


def upgrade() -> None:
    op.drop_index("ix_assets_postcode", table_name="assets")
    op.execute(
        "ALTER TABLE assets "
        + ", ".join(f"ALTER COLUMN {column} SET STATISTICS 0" for column in UNPLANNED)
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE assets "
        + ", ".join(f"ALTER COLUMN {column} SET STATISTICS -1" for column in UNPLANNED)
    )
    op.create_index("ix_assets_postcode", "assets", ["postcode"], unique=False)
