"""The course catalogue: every counsellor sees it; editors add, change, retire, import, export.

Editors keep the courses of their own region (and online courses without one); admins all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile

from bot.courses import (
    FORMATS,
    KINDS,
    CourseError,
    CourseInput,
    add_course,
    all_courses,
    is_stale,
    next_start,
    parse_course,
    retire_course,
    update_course,
)
from bot.courses.csvio import COLUMNS, LineError, parse_csv
from bot.courses.csvio import export_csv as to_csv
from bot.dashboard.auth import CheckedForm, CurrentViewer, EditorViewer, Viewer
from bot.dashboard.web import BERLIN, DashboardRoute, LotseDep, NotFound, field, redirect, render
from bot.service import Lotse
from bot.store.models import Course

router = APIRouter(route_class=DashboardRoute)

FIELDS = (
    "provider", "title", "kind", "occupations", "region", "address", "format",
    "duration_months", "start_dates", "voucher", "languages", "url", "checked",
)  # fmt: skip
NOTICES = {
    "added": "Der Kurs ist im Katalog.",
    "saved": "Die Änderungen sind gespeichert.",
    "retired": "Der Kurs wird nicht mehr angezeigt.",
    "reactivated": "Der Kurs wird wieder angezeigt.",
    "checked": "Als heute geprüft vermerkt.",
}


def _today() -> dt.date:
    return dt.datetime.now(BERLIN).date()


def _may_edit(viewer: Viewer, region: str | None) -> bool:
    return viewer.is_admin or region is None or region == viewer.region


def _values(form: FormData) -> dict[str, str]:
    values = {name: field(form, name, max_length=600) for name in FIELDS}
    values["occupations"] = ",".join(
        v for v in form.getlist("occupations") if isinstance(v, str)
    ) or values["occupations"]  # fmt: skip
    values["voucher"] = "ja" if values["voucher"] in ("ja", "on") else "nein"
    return values


def _form_values(course: Course) -> dict[str, object]:
    return {
        "provider": course.provider, "title": course.title, "kind": course.kind,
        "occupations": list(course.occupations), "region": course.region or "",
        "address": course.address or "", "format": course.format,
        "duration_months": course.duration_months or "",
        "start_dates": ", ".join(
            f"{dt.date.fromisoformat(d):%d.%m.%Y}" for d in course.start_dates
        ),
        "voucher": "ja" if course.voucher else "nein", "languages": ", ".join(course.languages),
        "url": course.url or "", "checked": "",
    }  # fmt: skip


def _parse(lotse: Lotse, viewer: Viewer, values: dict[str, str]) -> CourseInput:
    knowledge = lotse.content.knowledge
    data = parse_course(
        values, occupations=knowledge.occupations, regions=knowledge.regions, today=_today()
    )
    if not _may_edit(viewer, data.region):
        raise CourseError(f"Sie pflegen Kurse der Region {viewer.region} und Online-Kurse.")
    return data


async def _course(session: AsyncSession, viewer: Viewer, course_id: int) -> Course:
    course = await session.get(Course, course_id)
    if course is None or not _may_edit(viewer, course.region):
        raise NotFound
    return course


def _form(
    lotse: Lotse,
    viewer: Viewer,
    *,
    course_id: int | None,
    values: Mapping[str, object],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    knowledge = lotse.content.knowledge
    regions = sorted(knowledge.regions) if viewer.is_admin else [viewer.region]
    return render(
        "course_form.html",
        status_code=status_code,
        viewer=viewer,
        course_id=course_id,
        values=values,
        error=error,
        kinds=KINDS,
        formats=FORMATS,
        regions=regions,
        occupations=sorted(
            ((o.id, o.name.de) for o in knowledge.occupations.values()), key=lambda p: p[1]
        ),
    )


@router.get("/dashboard/courses")
async def course_list(request: Request, lotse: LotseDep, viewer: CurrentViewer) -> Response:
    """The catalogue of the counsellor's region, with entries not checked for six months."""
    return await _list_page(lotse, viewer, notice=NOTICES.get(request.query_params.get("msg", "")))


async def _list_page(
    lotse: Lotse,
    viewer: Viewer,
    *,
    notice: str | None = None,
    errors: list[LineError] | None = None,
    imported: int | None = None,
) -> Response:
    async with lotse.sessions() as session:
        courses = await all_courses(
            session=session, region=None if viewer.is_admin else viewer.region
        )
    names = {o.id: o.name.de for o in lotse.content.knowledge.occupations.values()}
    today = _today()
    rows = [
        {
            "course": c,
            "occupations": ", ".join(names.get(o, o) for o in c.occupations),
            "next_start": next_start(c, today),
            "stale": c.retired_at is None and is_stale(c),
            "editable": viewer.is_editor and _may_edit(viewer, c.region),
        }
        for c in courses
    ]
    return render(
        "courses.html",
        status_code=400 if errors else 200,
        viewer=viewer,
        notice=notice,
        rows=rows,
        stale=sum(1 for r in rows if r["stale"]),
        kinds=KINDS,
        formats=FORMATS,
        columns=COLUMNS,
        errors=errors or [],
        imported=imported,
    )


@router.get("/dashboard/courses/new")
async def new_form(lotse: LotseDep, viewer: EditorViewer) -> Response:
    values: dict[str, object] = {"region": viewer.region, "occupations": [], "voucher": "nein"}
    return _form(lotse, viewer, course_id=None, values=values)


@router.post("/dashboard/courses")
async def create(lotse: LotseDep, viewer: EditorViewer, form: CheckedForm) -> Response:
    values = _values(form)
    try:
        data = _parse(lotse, viewer, values)
    except CourseError as error:
        shown = {**values, "occupations": values["occupations"].split(",")}
        return _form(lotse, viewer, course_id=None, values=shown, error=str(error), status_code=400)
    async with lotse.sessions() as session, session.begin():
        await add_course(session=session, data=data)
    return redirect("/dashboard/courses?msg=added")


@router.get("/dashboard/courses/export.csv")
async def export(lotse: LotseDep, viewer: CurrentViewer) -> Response:
    """The catalogue as CSV in the import format."""
    async with lotse.sessions() as session:
        courses = await all_courses(
            session=session, region=None if viewer.is_admin else viewer.region
        )
    return Response(
        to_csv(courses).encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="kurse.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/dashboard/courses/import")
async def import_csv(lotse: LotseDep, viewer: EditorViewer, form: CheckedForm) -> Response:
    """Add (empty id) or change (existing id) courses; any line with an error stores nothing."""
    upload = form.get("file")
    raw = await upload.read() if isinstance(upload, UploadFile) else b""
    await form.close()
    knowledge = lotse.content.knowledge
    rows, errors = parse_csv(
        raw, occupations=knowledge.occupations, regions=knowledge.regions, today=_today()
    )
    if not raw:
        errors = [LineError(0, "Bitte wählen Sie eine CSV-Datei.")]
    errors += [
        LineError(r.line, f"Sie pflegen Kurse der Region {viewer.region} und Online-Kurse.")
        for r in rows
        if not _may_edit(viewer, r.data.region)
    ]
    if not errors:
        async with lotse.sessions() as session, session.begin():
            for row in rows:
                course = await session.get(Course, row.course_id) if row.course_id else None
                if row.course_id and (course is None or not _may_edit(viewer, course.region)):
                    errors.append(LineError(row.line, f"Einen Kurs {row.course_id} gibt es nicht."))
                elif course is not None:
                    await update_course(session=session, course=course, data=row.data)
                else:
                    await add_course(session=session, data=row.data, source="csv")
            if errors:
                await session.rollback()
    if errors:
        errors.sort(key=lambda e: e.line)
        return await _list_page(lotse, viewer, errors=errors)
    return await _list_page(lotse, viewer, imported=len(rows))


@router.get("/dashboard/courses/{course_id}")
async def edit_form(course_id: int, lotse: LotseDep, viewer: EditorViewer) -> Response:
    async with lotse.sessions() as session:
        course = await _course(session, viewer, course_id)
        values = _form_values(course)
    return _form(lotse, viewer, course_id=course_id, values=values)


@router.post("/dashboard/courses/{course_id}")
async def save(
    course_id: int, lotse: LotseDep, viewer: EditorViewer, form: CheckedForm
) -> Response:
    values = _values(form)
    try:
        data = _parse(lotse, viewer, values)
    except CourseError as error:
        shown = {**values, "occupations": values["occupations"].split(",")}
        return _form(
            lotse, viewer, course_id=course_id, values=shown, error=str(error), status_code=400
        )
    async with lotse.sessions() as session, session.begin():
        course = await _course(session, viewer, course_id)
        await update_course(session=session, course=course, data=data)
    return redirect("/dashboard/courses?msg=saved")


@router.post("/dashboard/courses/{course_id}/{action}")
async def act(
    course_id: int, action: str, lotse: LotseDep, viewer: EditorViewer, _form: CheckedForm
) -> Response:
    """Retire, reactivate, or confirm an entry as checked today."""
    if action not in ("retire", "reactivate", "checked"):
        raise NotFound
    async with lotse.sessions() as session, session.begin():
        course = await _course(session, viewer, course_id)
        if action == "checked":
            course.checked_at = dt.datetime.now(dt.UTC)
            course.edited = True
        else:
            await retire_course(session=session, course=course, retired=action == "retire")
    done = {"retire": "retired", "reactivate": "reactivated", "checked": "checked"}[action]
    return redirect(f"/dashboard/courses?msg={done}")
