"""The Kom-Pass on the dashboard: the counsellor sees the versions with the lead, downloads
them, and issues a new version with notes (in the PDF, in German under "Notizen der Beratung");
only counsellors who may open the lead, with the form's CSRF token; the person is not messaged."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from bot.service import Lotse
from bot.store.models import KompassDocument, Lead, LeadEvent, Notification
from tests.dashboard.conftest import staff
from tests.kompass.test_kompass_web import complete, pdf_text

NOTES = "Arbeitszeugnis vom Restaurant mitbringen.\nTeilqualifikation Küche prüfen."


async def lead_id(lotse: Lotse) -> int:
    async with lotse.sessions() as db:
        return int((await db.scalars(select(Lead.id))).one())


async def versions(lotse: Lotse) -> list[KompassDocument]:
    async with lotse.sessions() as db:
        found = await db.scalars(select(KompassDocument).order_by(KompassDocument.version))
        return list(found)


async def test_counsellor_sees_downloads_and_issues_a_new_version(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    session, _ = await complete(client)
    lead = await lead_id(lotse)
    counsellor = await staff(lotse, "ayla@example.org")
    page = await client.get(f"/dashboard/leads/{lead}", headers=counsellor.headers)
    assert page.status_code == 200
    assert "Kompetenz-Kom-Pass" in page.text
    assert f'href="/dashboard/leads/{lead}/kompass/1"' in page.text
    assert "Ratsuchende Person" in page.text  # version 1 was made by the person

    first = await client.get(f"/dashboard/leads/{lead}/kompass/1", headers=counsellor.headers)
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/pdf"
    assert first.headers["cache-control"] == "no-store"
    assert first.content == (await versions(lotse))[0].pdf

    issued = await client.post(
        f"/dashboard/leads/{lead}/kompass",
        data={"csrf": counsellor.csrf, "notes": NOTES},
        headers=counsellor.headers,
    )
    assert issued.status_code == 303
    assert "kompass_issued" in issued.headers["location"]
    one, two = await versions(lotse)
    assert (two.version, two.created_by) == (2, f"counsellor:{counsellor.counsellor_id}")
    assert two.notes == NOTES
    assert two.language == one.language == "tr"
    assert two.lead_id == one.lead_id == lead
    text = pdf_text(two.pdf)
    assert "Danışmanın notları / Notizen der Beratung" in text
    assert "Arbeitszeugnis vom Restaurant mitbringen." in text
    assert "Teilqualifikation Küche prüfen." in text
    assert "Sıcak yemek pişirmek: et, balık, sebze" in text  # the person's answers stay
    assert "Hijyen eğitimi, ilk yardım" in text
    assert "IHK zu Dortmund" in text
    assert "Notizen der Beratung" not in pdf_text(one.pdf)

    page = await client.get(
        f"/dashboard/leads/{lead}?msg=kompass_issued", headers=counsellor.headers
    )
    assert f'href="/dashboard/leads/{lead}/kompass/2"' in page.text
    assert "Die neue Version des Kom-Pass ist gespeichert" in page.text
    assert "Arbeitszeugnis vom Restaurant mitbringen." in page.text  # to edit for the next one
    second = await client.get(f"/dashboard/leads/{lead}/kompass/2", headers=counsellor.headers)
    assert second.content == two.pdf
    async with lotse.sessions() as db:
        notes = (await db.scalars(select(LeadEvent.note).where(LeadEvent.lead_id == lead))).all()
        assert "Kompetenz-Kom-Pass Version 2 mit Notizen ausgestellt" in notes
        # Not messaged: nothing waits for the person.
        assert await db.scalar(select(func.count()).select_from(Notification)) == 0
    # The person's own download now gives the newest version.
    mine = await client.get("/api/kompass.pdf", headers={"Cookie": f"lotse_session={session}"})
    assert mine.content == two.pdf


async def test_only_counsellors_who_may_see_the_lead_and_only_with_the_token(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    await complete(client)
    lead = await lead_id(lotse)
    elsewhere = await staff(lotse, "bo@example.org", region="luckenwalde")
    assert (
        await client.get(f"/dashboard/leads/{lead}", headers=elsewhere.headers)
    ).status_code == 404
    download = await client.get(f"/dashboard/leads/{lead}/kompass/1", headers=elsewhere.headers)
    assert download.status_code == 404
    assert download.headers["content-type"].startswith("text/html")
    refused = await client.post(
        f"/dashboard/leads/{lead}/kompass",
        data={"csrf": elsewhere.csrf, "notes": NOTES},
        headers=elsewhere.headers,
    )
    assert refused.status_code == 404
    # Logged out: the login page, no PDF.
    anonymous = await client.get(f"/dashboard/leads/{lead}/kompass/1")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/dashboard/login"

    counsellor = await staff(lotse, "ayla@example.org")
    forged = await client.post(
        f"/dashboard/leads/{lead}/kompass",
        data={"csrf": "forged", "notes": NOTES},
        headers=counsellor.headers,
    )
    assert forged.status_code == 403
    empty = await client.post(
        f"/dashboard/leads/{lead}/kompass",
        data={"csrf": counsellor.csrf, "notes": "   "},
        headers=counsellor.headers,
    )
    assert empty.status_code == 303
    assert "kompass_empty" in empty.headers["location"]
    missing = await client.get(f"/dashboard/leads/{lead}/kompass/7", headers=counsellor.headers)
    assert missing.status_code == 404
    assert [d.version for d in await versions(lotse)] == [1]


async def test_a_lead_without_a_kompass(client: httpx.AsyncClient, lotse: Lotse) -> None:
    """The section says so and offers no form; issuing is refused."""
    await complete(client)
    lead = await lead_id(lotse)
    async with lotse.sessions() as db, db.begin():
        for document in await db.scalars(select(KompassDocument)):
            await db.delete(document)
    counsellor = await staff(lotse, "ayla@example.org")
    page = await client.get(f"/dashboard/leads/{lead}", headers=counsellor.headers)
    assert "Die Person hat keinen Kom-Pass erstellt." in page.text
    assert f'action="/dashboard/leads/{lead}/kompass"' not in page.text
    refused = await client.post(
        f"/dashboard/leads/{lead}/kompass",
        data={"csrf": counsellor.csrf, "notes": NOTES},
        headers=counsellor.headers,
    )
    assert refused.status_code == 404
