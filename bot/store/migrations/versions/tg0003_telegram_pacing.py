"""telegram pacing: the bot's send schedules and flood wait, shared by worker processes

Revision ID: tg0003
Revises: kp0001
Create Date: 2026-12-01

On PostgreSQL also the function ``telegram_pacing_book`` (bot.channels.telegram._pacing): a
booking in one statement. It locks the chat's row, then the bot's (always in this order, so two
bookings never wait for each other crosswise), computes the send time on the database's clock
from both schedules and the flood wait, and moves both schedules on (GCRA: ``full_at`` is when
a schedule's bucket is full again).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tg0003"
down_revision: str | Sequence[str] | None = "kp0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOOK = """
CREATE OR REPLACE FUNCTION telegram_pacing_book(
    overall_key text,
    overall_interval double precision,
    overall_tolerance double precision,
    chat_key text,
    chat_interval double precision,
    chat_tolerance double precision
) RETURNS TABLE (wait double precision, flood double precision)
LANGUAGE plpgsql AS $$
DECLARE
    chat_full timestamptz;
    overall_full timestamptz;
    flood_end timestamptz;
    moment timestamptz;
BEGIN
    IF chat_key IS NOT NULL THEN
        INSERT INTO telegram_pacing (key, full_at) VALUES (chat_key, '-infinity')
        ON CONFLICT (key) DO NOTHING;
        SELECT p.full_at INTO chat_full FROM telegram_pacing p WHERE p.key = chat_key FOR UPDATE;
    END IF;
    INSERT INTO telegram_pacing (key, full_at) VALUES (overall_key, '-infinity')
    ON CONFLICT (key) DO NOTHING;
    SELECT p.full_at, p.flood_until INTO overall_full, flood_end
    FROM telegram_pacing p WHERE p.key = overall_key FOR UPDATE;
    moment := greatest(
        clock_timestamp(),
        flood_end,
        overall_full - make_interval(secs => overall_tolerance),
        chat_full - make_interval(secs => chat_tolerance)
    );
    UPDATE telegram_pacing p
    SET full_at = greatest(overall_full, moment) + make_interval(secs => overall_interval),
        booked_at = moment
    WHERE p.key = overall_key;
    IF chat_key IS NOT NULL THEN
        UPDATE telegram_pacing p
        SET full_at = greatest(chat_full, moment) + make_interval(secs => chat_interval),
            booked_at = moment
        WHERE p.key = chat_key;
    END IF;
    RETURN QUERY SELECT
        CAST(extract(epoch FROM moment - clock_timestamp()) AS double precision),
        CAST(coalesce(extract(epoch FROM flood_end - clock_timestamp()), 0) AS double precision);
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "telegram_pacing",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("full_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flood_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_telegram_pacing")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(BOOK)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS telegram_pacing_book"
            "(text, double precision, double precision, text, double precision, double precision)"
        )
    op.drop_table("telegram_pacing")
