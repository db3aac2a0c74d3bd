"""Accounts (admins only): list counsellors, add one, deactivate or reactivate."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.content.models import LANGUAGES
from bot.dashboard import queries
from bot.dashboard.auth import AdminViewer, CheckedForm, Viewer
from bot.dashboard.display import LANGUAGE_NAMES
from bot.dashboard.web import DashboardRoute, LotseDep, field, redirect, render
from bot.handover.counsellors import ROLES, CounsellorError, add_counsellor
from bot.service import Lotse

router = APIRouter(route_class=DashboardRoute)
ROLE_NAMES = {"counsellor": "Beratung", "editor": "Beratung + Kurskatalog", "admin": "Verwaltung"}

NOTICES = {
    "added": "Das Konto ist angelegt.",
    "deactivated": "Das Konto ist deaktiviert; offene Sitzungen sind beendet.",
    "activated": "Das Konto ist wieder aktiv.",
    "self": "Ihr eigenes Konto können Sie nicht deaktivieren.",
    "not_found": "Dieses Konto gibt es nicht.",
}


async def _page(
    lotse: Lotse,
    viewer: Viewer,
    *,
    notice: str | None = None,
    error: str | None = None,
    values: dict[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    async with lotse.sessions() as session:
        counsellors = await queries.all_counsellors(session=session)
    return render(
        "admin.html",
        status_code=status_code,
        viewer=viewer,
        notice=notice,
        error=error,
        counsellors=counsellors,
        values=values or {"region": viewer.region, "languages": [], "role": "counsellor"},
        regions=sorted(lotse.content.knowledge.regions),
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        roles=ROLES,
        role_names=ROLE_NAMES,
        language_names=LANGUAGE_NAMES,
    )


@router.get("/dashboard/admin")
async def admin_page(request: Request, lotse: LotseDep, viewer: AdminViewer) -> Response:
    """List all counsellor accounts."""
    return await _page(lotse, viewer, notice=NOTICES.get(request.query_params.get("msg", "")))


@router.post("/dashboard/admin/counsellors")
async def create(lotse: LotseDep, viewer: AdminViewer, form: CheckedForm) -> Response:
    """Add an account; the password is hashed with argon2id."""
    email = field(form, "email", max_length=254)
    name = field(form, "name", max_length=120)
    region = field(form, "region", max_length=64)
    role = field(form, "role", max_length=16)
    languages = [v for v in form.getlist("languages") if isinstance(v, str)]
    password = field(form, "password", max_length=1024)
    values: dict[str, object] = {
        "email": email, "name": name, "region": region, "role": role, "languages": languages
    }  # fmt: skip
    try:
        if region not in lotse.content.knowledge.regions:
            raise CounsellorError("Bitte wählen Sie eine Region.")
        if not name:
            raise CounsellorError("Bitte geben Sie einen Namen an.")
        async with lotse.sessions() as session, session.begin():
            await add_counsellor(
                session=session, email=email, name=name, languages=languages, region=region,
                password=password, role=role,
            )  # fmt: skip
    except CounsellorError as error:
        return await _page(lotse, viewer, error=str(error), values=values, status_code=400)
    return redirect("/dashboard/admin?msg=added")


@router.post("/dashboard/admin/counsellors/{counsellor_id}/{action}")
async def set_active(
    counsellor_id: int, action: str, lotse: LotseDep, viewer: AdminViewer, _form: CheckedForm
) -> Response:
    """Deactivate (ends the account's sessions) or reactivate an account."""
    if action not in ("deactivate", "activate"):
        return redirect("/dashboard/admin?msg=not_found")
    if action == "deactivate" and counsellor_id == viewer.id:
        return redirect("/dashboard/admin?msg=self")
    async with lotse.sessions() as session, session.begin():
        found = await queries.set_active(
            session=session, counsellor_id=counsellor_id, active=action == "activate"
        )
    return redirect(f"/dashboard/admin?msg={action + 'd' if found else 'not_found'}")
