"""Several workers over one database: claims on Telegram updates and leases of background jobs

Revision ID: wk0001
Revises: kp0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "wk0001"
down_revision: str | Sequence[str] | None = "kp0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("telegram_updates") as table:
        table.add_column(sa.Column("claimed_by", sa.String(64), nullable=True))
        table.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_telegram_updates_open",
        "telegram_updates",
        ["chat_id", "update_id"],
        postgresql_where=sa.text("status IN ('pending', 'handled')"),
        sqlite_where=sa.text("status IN ('pending', 'handled')"),
    )
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_leases")
    op.drop_index("ix_telegram_updates_open", table_name="telegram_updates")
    with op.batch_alter_table("telegram_updates") as table:
        table.drop_column("claimed_at")
        table.drop_column("claimed_by")
