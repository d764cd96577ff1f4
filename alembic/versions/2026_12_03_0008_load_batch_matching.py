"""load_batches.matching: the matching across bodies a committed load still owes

A load committed its assets in one transaction and matched them with other bodies' in a
second; a process killed (or a connection lost) between the two left the assets
unmatched, and nothing recorded it, so no later command knew to finish the job. Now the
load marks its batch ``pending`` in its own transaction, and the matching marks it
``done`` in its: a matching lost on the way is found and finished by the next load or by
``estate match``.

Batches from before this revision say nothing (null): ``estate match --all`` matches the
whole register again, which is idempotent.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("load_batches", sa.Column("matching", sa.Text(), nullable=True))
    op.create_check_constraint(
        op.f("ck_load_batches_matching"), "load_batches", "matching IN ('pending', 'done')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_load_batches_matching"), "load_batches", type_="check")
    op.drop_column("load_batches", "matching")
