"""The Kompetenz-Kom-Pass on a lead's page: every version to download, and a new version with
the counsellor's notes (printed in the PDF; the person is not messaged about it)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard.auth import CheckedForm, CurrentViewer
from bot.dashboard.display import LANGUAGE_NAMES, actor_name
from bot.dashboard.regions import visible_lead
from bot.dashboard.web import DashboardRoute, LotseDep, NotFound, berlin, field, redirect
from bot.handover import leads
from bot.kompass.document import new_version
from bot.store.models import KompassDocument, Lead

router = APIRouter(route_class=DashboardRoute)

MAX_NOTES = 2000
NOTICES = {
    "kompass_issued": "Die neue Version des Kom-Pass ist gespeichert. Die Person wird nicht "
    "benachrichtigt; sie bekommt sie beim nächsten Herunterladen.",
    "kompass_empty": "Bitte schreiben Sie Notizen für die neue Version.",
}


@dataclass(frozen=True)
class Version:
    number: int
    created: str
    by: str
    language: str
    url: str


@dataclass(frozen=True)
class Section:
    """What the lead page shows of the Kom-Pass (``versions`` newest first)."""

    versions: list[Version]
    notes: str  # the newest version's notes, to edit for the next one
    notice: str | None


async def section(
    *, session: AsyncSession, lead: Lead, names: dict[int, str], message: str | None
) -> Section:
    """The versions of the lead's Kom-Pass, without loading any PDF."""
    rows = (
        await session.execute(
            select(
                KompassDocument.version,
                KompassDocument.created_at,
                KompassDocument.created_by,
                KompassDocument.language,
                KompassDocument.notes,
            )
            .where(KompassDocument.lead_id == lead.id)
            .order_by(KompassDocument.version.desc())
        )
    ).all()
    versions = [
        Version(
            number=row.version,
            created=berlin(row.created_at),
            by=actor_name(row.created_by, names),
            language=LANGUAGE_NAMES.get(row.language, row.language),
            url=f"/dashboard/leads/{lead.id}/kompass/{row.version}",
        )
        for row in rows
    ]
    return Section(
        versions=versions,
        notes=(rows[0].notes or "") if rows else "",
        notice=NOTICES.get(message or ""),
    )


async def _document(
    session: AsyncSession, lead_id: int, version: int | None = None
) -> KompassDocument | None:
    query = select(KompassDocument).where(KompassDocument.lead_id == lead_id)
    if version is not None:
        query = query.where(KompassDocument.version == version)
    return await session.scalar(query.order_by(KompassDocument.version.desc()).limit(1))


@router.get("/dashboard/leads/{lead_id}/kompass/{version}")
async def download(lead_id: int, version: int, lotse: LotseDep, viewer: CurrentViewer) -> Response:
    """One version as a PDF, for counsellors who may open the lead."""
    async with lotse.sessions() as session:
        lead = await visible_lead(session=session, lead_id=lead_id, viewer=viewer)
        document = await _document(session, lead.id, version) if lead is not None else None
    if document is None:
        raise NotFound
    return Response(
        document.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="kom-pass-fall-{lead_id}-v{document.version}.pdf"'
            ),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/dashboard/leads/{lead_id}/kompass")
async def issue(
    lead_id: int, lotse: LotseDep, viewer: CurrentViewer, form: CheckedForm
) -> Response:
    """A new version from the person's stored answers, with the counsellor's notes."""
    notes = field(form, "notes", max_length=MAX_NOTES).replace("\r\n", "\n")
    async with lotse.sessions() as session, session.begin():
        lead = await visible_lead(session=session, lead_id=lead_id, viewer=viewer, lock=True)
        latest = await _document(session, lead.id) if lead is not None else None
        if lead is None or latest is None:
            raise NotFound
        if not notes:
            return redirect(_url(lead_id, "kompass_empty"))
        made = await new_version(lotse, session, latest, created_by=viewer.actor, notes=notes)
        await leads.add_event(
            session=session,
            lead=lead,
            actor=viewer.actor,
            note=f"Kompetenz-Kom-Pass Version {made.version} mit Notizen ausgestellt",
        )
    return redirect(_url(lead_id, "kompass_issued"))


def _url(lead_id: int, message: str) -> str:
    return f"/dashboard/leads/{lead_id}?msg={message}#kompass"
