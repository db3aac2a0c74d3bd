"""Giving a claimed lead back: by its counsellor or an admin, recorded, back in the queue."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import func, select

from bot.handover import notify
from bot.service import Lotse
from bot.store.models import Booking, Notification, Slot, utcnow

from .conftest import Staff, add_lead, book, events_of, get_lead, staff


async def claim(client: httpx.AsyncClient, who: Staff, lead_id: int) -> None:
    response = await client.post(
        f"/dashboard/leads/{lead_id}/claim", data={"csrf": who.csrf}, headers=who.headers
    )
    assert response.headers["location"].endswith("msg=claimed")


async def test_release_puts_the_lead_back_in_the_queue(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    anna = await staff(lotse, "anna@example.org")
    berta = await staff(lotse, "berta@example.org")
    lead_id = await add_lead(lotse)
    await claim(client, anna, lead_id)
    page = await client.get(f"/dashboard/leads/{lead_id}", headers=anna.headers)
    assert f'action="/dashboard/leads/{lead_id}/release"' in page.text
    # Without a valid CSRF token nothing happens.
    for token in (None, "forged", berta.csrf):
        refused = await client.post(
            f"/dashboard/leads/{lead_id}/release",
            data={} if token is None else {"csrf": token}, headers=anna.headers,
        )  # fmt: skip
        assert refused.status_code == 403
    assert (await get_lead(lotse, lead_id)).status == "claimed"

    released = await client.post(
        f"/dashboard/leads/{lead_id}/release", data={"csrf": anna.csrf}, headers=anna.headers
    )
    assert released.status_code == 303
    assert released.headers["location"] == "/dashboard?msg=released"
    lead = await get_lead(lotse, lead_id)
    assert (lead.status, lead.counsellor_id) == ("new", None)
    last = (await events_of(lotse, lead_id))[-1]
    assert (last.actor, last.from_status, last.to_status) == (
        f"counsellor:{anna.counsellor_id}", "claimed", "new",
    )  # fmt: skip
    queue = await client.get("/dashboard?status=new", headers=berta.headers)
    assert f'/dashboard/leads/{lead_id}"' in queue.text
    taken = await client.post(
        "/dashboard/claim-next", data={"csrf": berta.csrf}, headers=berta.headers
    )
    assert taken.headers["location"] == f"/dashboard/leads/{lead_id}?msg=claimed"
    # Released twice (now Berta's): refused for Anna, who no longer holds it.
    again = await client.post(
        f"/dashboard/leads/{lead_id}/release", data={"csrf": anna.csrf}, headers=anna.headers
    )
    assert again.status_code == 403


async def test_release_is_refused_for_someone_elses_lead(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    anna = await staff(lotse, "anna@example.org")
    berta = await staff(lotse, "berta@example.org")
    admin = await staff(lotse, "admin@example.org", role="admin")
    elsewhere = await staff(lotse, "lw@example.org", region="luckenwalde", role="admin")
    lead_id = await add_lead(lotse)
    await claim(client, anna, lead_id)
    refused = await client.post(
        f"/dashboard/leads/{lead_id}/release", data={"csrf": berta.csrf}, headers=berta.headers
    )
    assert refused.status_code == 403
    page = await client.get(f"/dashboard/leads/{lead_id}", headers=berta.headers)
    assert "/release" not in page.text
    hidden = await client.post(
        f"/dashboard/leads/{lead_id}/release", data={"csrf": elsewhere.csrf},
        headers=elsewhere.headers,
    )  # fmt: skip
    assert hidden.status_code == 404  # another region's lead does not exist for its admin
    lead = await get_lead(lotse, lead_id)
    assert (lead.status, lead.counsellor_id) == ("claimed", anna.counsellor_id)
    # An admin of the region may give it back (a colleague fell ill).
    by_admin = await client.post(
        f"/dashboard/leads/{lead_id}/release", data={"csrf": admin.csrf}, headers=admin.headers
    )
    assert by_admin.status_code == 303
    lead = await get_lead(lotse, lead_id)
    assert (lead.status, lead.counsellor_id) == ("new", None)
    assert (await events_of(lotse, lead_id))[-1].actor == f"counsellor:{admin.counsellor_id}"
    # A new lead cannot be given back.
    not_claimed = await client.post(
        f"/dashboard/leads/{lead_id}/release", data={"csrf": admin.csrf}, headers=admin.headers
    )
    assert not_claimed.headers["location"] == f"/dashboard/leads/{lead_id}?msg=not_allowed"


async def test_release_with_an_appointment_frees_the_slot_and_tells_the_person(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    anna = await staff(lotse, "anna@example.org")
    lead_id = await add_lead(lotse)
    starts = (utcnow() + dt.timedelta(days=3)).replace(microsecond=0)
    async with lotse.sessions() as db, db.begin():
        slot = Slot(
            counsellor_id=anna.counsellor_id, starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=45),
        )  # fmt: skip
        db.add(slot)
        await db.flush()
        slot_id = slot.id
    await book(lotse, slot_id=slot_id, lead_id=lead_id, counsellor_id=anna.counsellor_id)
    released = await client.post(
        f"/dashboard/leads/{lead_id}/release", data={"csrf": anna.csrf}, headers=anna.headers
    )
    assert released.status_code == 303
    lead = await get_lead(lotse, lead_id)
    assert (lead.status, lead.counsellor_id) == ("new", None)
    async with lotse.sessions() as db:
        bookings = (await db.execute(select(func.count(Booking.id)))).scalar_one()
        query = select(Notification.message_id, Notification.kind)
        told = [tuple(row) for row in await db.execute(query)]
    assert bookings == 0  # the slot is free again
    assert told == [(notify.CANCELLED_BY_COUNSELLOR, "cancelled")]
    last = (await events_of(lotse, lead_id))[-1]
    assert (last.from_status, last.to_status) == ("scheduled", "new")
