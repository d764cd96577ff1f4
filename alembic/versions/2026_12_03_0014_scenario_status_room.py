"""scenario status and room overrides: a scenario goes draft, proposed, agreed; a move
that overfills its receiving site is kept only when a person says so

A scenario a partnership has agreed must not change under it, so the scenario carries
its status (the who and when of each step are in the audit trail). A move whose
occupants need more than the receiving site's spare space left by the scenario's other
moves is refused, unless a person overrides it: the override is stored on the move so
every schedule and export can flag it.

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "scenarios",
        sa.Column("status", sa.Text(), server_default="draft", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_scenarios_status"), "scenarios", "status IN ('draft', 'proposed', 'agreed')"
    )
    op.add_column(
        "scenario_moves",
        sa.Column("room_override", sa.Boolean(), server_default="false", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("scenario_moves", "room_override")
    op.drop_constraint(op.f("ck_scenarios_status"), "scenarios", type_="check")
    op.drop_column("scenarios", "status")
