"""slot mode: how a meeting happens (phone, office, video), with the office address or video link

Slots and the weekly rules they are cut from carry the mode; existing rows become phone calls,
the way counsellors met people so far.

Revision ID: ho0003
Revises: kp0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ho0003"
down_revision: str | Sequence[str] | None = "kp0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("slots", "availability_rules")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("mode", sa.String(16), nullable=False, server_default="phone")
            )
            batch.add_column(sa.Column("address", sa.String(300), nullable=True))
            batch.add_column(sa.Column("video_url", sa.String(500), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("video_url")
            batch.drop_column("address")
            batch.drop_column("mode")
