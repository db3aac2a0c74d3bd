"""Leads without a region: listed for admins only, who give them a region (recorded)."""

from __future__ import annotations

import httpx

from bot.service import Lotse

from .conftest import add_lead, events_of, get_lead, staff


async def test_lead_without_region_is_visible_to_admins_only(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    anna = await staff(lotse, "anna@example.org")
    admin = await staff(lotse, "admin@example.org", role="admin")
    other_admin = await staff(lotse, "lw@example.org", role="admin", region="luckenwalde")
    lost = await add_lead(lotse, region=None)
    await add_lead(lotse)  # one of Dortmund, for contrast

    # The counsellor: not in any list, no page, no action.
    for query in ("", "?region=none", "?status=all"):
        page = await client.get(f"/dashboard{query}", headers=anna.headers)
        assert f'/dashboard/leads/{lost}"' not in page.text
        assert "ohne Region" not in page.text
    assert (await client.get(f"/dashboard/leads/{lost}", headers=anna.headers)).status_code == 404
    refused = await client.post(
        f"/dashboard/leads/{lost}/region", data={"csrf": anna.csrf, "region": "dortmund"},
        headers=anna.headers,
    )  # fmt: skip
    assert refused.status_code == 403
    assert (await get_lead(lotse, lost)).region is None

    # Admins of any region: told on their queue, listed with the filter, the lead page opens.
    for who in (admin, other_admin):
        queue = await client.get("/dashboard", headers=who.headers)
        assert "1 Fall hat keine Region" in queue.text
        assert f'/dashboard/leads/{lost}"' not in queue.text
        listed = await client.get("/dashboard?region=none", headers=who.headers)
        assert "Fälle ohne Region" in listed.text
        assert f'/dashboard/leads/{lost}"' in listed.text
        assert listed.text.count('<a href="/dashboard/leads/') == 1
        page = await client.get(f"/dashboard/leads/{lost}", headers=who.headers)
        assert page.status_code == 200
        assert f'action="/dashboard/leads/{lost}/region"' in page.text
        assert f'action="/dashboard/leads/{lost}/claim"' not in page.text
        assert '<option value="luckenwalde">' in page.text


async def test_admin_sets_the_region(client: httpx.AsyncClient, lotse: Lotse) -> None:
    anna = await staff(lotse, "anna@example.org")
    admin = await staff(lotse, "admin@example.org", role="admin")
    lost = await add_lead(lotse, region=None)
    elsewhere = await add_lead(lotse, region=None)

    for data in ({"region": "atlantis"}, {"region": ""}):
        odd = await client.post(
            f"/dashboard/leads/{lost}/region", data={"csrf": admin.csrf, **data},
            headers=admin.headers,
        )  # fmt: skip
        assert odd.headers["location"] == f"/dashboard/leads/{lost}?msg=no_region_chosen"
    forged = await client.post(
        f"/dashboard/leads/{lost}/region", data={"csrf": anna.csrf, "region": "dortmund"},
        headers=admin.headers,
    )  # fmt: skip
    assert forged.status_code == 403
    assert (await get_lead(lotse, lost)).region is None

    done = await client.post(
        f"/dashboard/leads/{lost}/region", data={"csrf": admin.csrf, "region": "dortmund"},
        headers=admin.headers,
    )  # fmt: skip
    assert done.headers["location"] == f"/dashboard/leads/{lost}?msg=region_set"
    assert (await get_lead(lotse, lost)).region == "dortmund"
    last = (await events_of(lotse, lost))[-1]
    assert (last.actor, last.note) == (
        f"counsellor:{admin.counsellor_id}",
        "Region eingetragen: Dortmund",
    )
    queue = await client.get("/dashboard", headers=anna.headers)
    assert f'/dashboard/leads/{lost}"' in queue.text  # now in Dortmund's queue
    again = await client.post(
        f"/dashboard/leads/{lost}/region", data={"csrf": admin.csrf, "region": "luckenwalde"},
        headers=admin.headers,
    )  # fmt: skip
    assert again.headers["location"] == f"/dashboard/leads/{lost}?msg=not_allowed"
    assert (await get_lead(lotse, lost)).region == "dortmund"

    # Another region's: the admin is sent back to the leads without one.
    moved = await client.post(
        f"/dashboard/leads/{elsewhere}/region", data={"csrf": admin.csrf, "region": "luckenwalde"},
        headers=admin.headers,
    )  # fmt: skip
    assert moved.headers["location"] == "/dashboard?region=none&msg=region_set"
    assert (await get_lead(lotse, elsewhere)).region == "luckenwalde"
    gone = await client.get(f"/dashboard/leads/{elsewhere}", headers=admin.headers)
    assert gone.status_code == 404


async def test_own_appointment_without_region_opens_for_its_counsellor(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    """A person without a region may book any counsellor's slot: the calendar's link to that
    lead must open for the counsellor who holds it, and for nobody else but admins."""
    anna = await staff(lotse, "anna@example.org")
    berta = await staff(lotse, "berta@example.org")
    lead_id = await add_lead(
        lotse, region=None, status="scheduled", counsellor_id=anna.counsellor_id
    )
    assert (
        await client.get(f"/dashboard/leads/{lead_id}", headers=anna.headers)
    ).status_code == 200
    assert (
        await client.get(f"/dashboard/leads/{lead_id}", headers=berta.headers)
    ).status_code == 404
