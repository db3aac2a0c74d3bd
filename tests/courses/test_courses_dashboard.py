"""Dashboard: editors keep the catalogue (add, edit, retire, CSV import/export); CSRF and roles
hold; what they add shows in the answer after the exam result."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import func, select

from bot.service import Lotse
from bot.store.models import Course

from .conftest import DEMO_CSV, course, exam_result, staff, store

FORM = {
    "title": "Externenprüfung Koch – Abendkurs", "provider": "Bildungswerk Test",
    "kind": "exam_preparation", "occupations": "koch", "region": "dortmund",
    "address": "Teststraße 1, Dortmund", "format": "evening", "duration_months": "8",
    "start_dates": "01.02.2099", "voucher": "ja", "languages": "de, tr",
    "url": "https://example.org/abendkurs", "checked": "",
}  # fmt: skip


async def _count(lotse: Lotse) -> int:
    async with lotse.sessions() as db:
        return int((await db.scalar(select(func.count()).select_from(Course))) or 0)


async def test_an_editor_adds_a_course_and_the_person_hears_of_it(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    editor = await staff(lotse, "editor@example.org", role="editor")
    page = await client.get("/dashboard/courses/new", headers=editor.headers)
    assert page.status_code == 200
    assert 'name="csrf"' in page.text
    added = await client.post(
        "/dashboard/courses", data={**FORM, "csrf": editor.csrf}, headers=editor.headers
    )
    assert added.status_code == 303
    listing = await client.get("/dashboard/courses", headers=editor.headers)
    assert "Externenprüfung Koch – Abendkurs" in listing.text
    assert "01.02.2099" in listing.text
    shown = "\n".join(m["text"] for m in await exam_result(client, "tr"))
    assert "Externenprüfung Koch – Abendkurs (Bildungswerk Test)" in shown
    assert "Akşam kursu" in shown
    assert "01.02.2099" in shown
    assert "evet" in shown


async def test_form_errors_keep_the_input_and_store_nothing(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    editor = await staff(lotse, "editor@example.org", role="editor")
    bad = {**FORM, "url": "http://example.org", "csrf": editor.csrf}
    response = await client.post("/dashboard/courses", data=bad, headers=editor.headers)
    assert response.status_code == 400
    assert "https://" in response.text
    assert "Bildungswerk Test" in response.text
    assert await _count(lotse) == 0


async def test_roles_csrf_and_regions(client: httpx.AsyncClient, lotse: Lotse) -> None:
    counsellor = await staff(lotse, "c@example.org", role="counsellor")
    editor = await staff(lotse, "e@example.org", role="editor")
    other = await staff(lotse, "l@example.org", role="editor", region="luckenwalde")
    [course_id] = await store(lotse, course())
    # Every counsellor sees the catalogue; only editors change it.
    assert (await client.get("/dashboard/courses", headers=counsellor.headers)).status_code == 200
    for url in ("/dashboard/courses", f"/dashboard/courses/{course_id}/retire"):
        response = await client.post(
            url, data={**FORM, "csrf": counsellor.csrf}, headers=counsellor.headers
        )
        assert response.status_code == 403, url
    # Without a valid token nothing changes.
    for token in (None, "forged", counsellor.csrf):
        data = FORM if token is None else {**FORM, "csrf": token}
        response = await client.post("/dashboard/courses", data=data, headers=editor.headers)
        assert response.status_code == 403
        response = await client.post(
            "/dashboard/courses/import", files={"file": ("k.csv", b"x")},
            data={} if token is None else {"csrf": token}, headers=editor.headers,
        )  # fmt: skip
        assert response.status_code == 403
    assert await _count(lotse) == 1
    # Another region's editor neither sees nor changes Dortmund's course.
    edit = await client.get(f"/dashboard/courses/{course_id}", headers=other.headers)
    assert edit.status_code == 404
    retire = await client.post(
        f"/dashboard/courses/{course_id}/retire", data={"csrf": other.csrf}, headers=other.headers
    )
    assert retire.status_code == 404
    created = await client.post(
        "/dashboard/courses", data={**FORM, "csrf": other.csrf}, headers=other.headers
    )
    assert created.status_code == 400
    assert "luckenwalde" in created.text
    # Not logged in: the login page.
    assert (await client.get("/dashboard/courses")).status_code == 303


async def test_edit_retire_and_check(client: httpx.AsyncClient, lotse: Lotse) -> None:
    editor = await staff(lotse, "e@example.org", role="editor")
    old = dt.date.today() - dt.timedelta(days=200)
    [course_id] = await store(lotse, course(checked=old))
    listing = await client.get("/dashboard/courses", headers=editor.headers)
    assert "seit über 6 Monaten nicht geprüft" in listing.text
    form = (await client.get(f"/dashboard/courses/{course_id}", headers=editor.headers)).text
    assert 'value="Kochkurs"' in form
    saved = await client.post(
        f"/dashboard/courses/{course_id}",
        data={**FORM, "title": "Neuer Titel", "csrf": editor.csrf},
        headers=editor.headers,
    )
    assert saved.status_code == 303
    listing = await client.get("/dashboard/courses", headers=editor.headers)
    assert "Neuer Titel" in listing.text
    assert "nicht geprüft" not in listing.text
    async with lotse.sessions() as db:
        stored = await db.get(Course, course_id)
        assert stored is not None
        assert stored.edited
        assert stored.title == "Neuer Titel"
    retired = await client.post(
        f"/dashboard/courses/{course_id}/retire", data={"csrf": editor.csrf},
        headers=editor.headers,
    )  # fmt: skip
    assert retired.status_code == 303
    shown = "\n".join(m["text"] for m in await exam_result(client, "de"))
    assert "Neuer Titel" not in shown
    assert "kenne ich zurzeit nicht" in shown


async def test_csv_import_and_export(client: httpx.AsyncClient, lotse: Lotse) -> None:
    editor = await staff(lotse, "e@example.org", role="editor")
    demo = DEMO_CSV.read_bytes()
    imported = await client.post(
        "/dashboard/courses/import", data={"csrf": editor.csrf},
        files={"file": ("demo.csv", demo, "text/csv")}, headers=editor.headers,
    )  # fmt: skip
    assert imported.status_code == 200
    assert "3 Zeilen übernommen" in imported.text
    shown = "\n".join(m["text"] for m in await exam_result(client, "ru"))
    assert "DEMO Vorbereitung Externenprüfung Koch/Köchin" in shown
    assert "Неполный день" in shown
    assert "01.03.2099" in shown
    # A file with one bad line stores nothing and names the line.
    broken = demo.replace(b"exam_preparation;verkaeufer", b"exam_preparation;pilot")
    response = await client.post(
        "/dashboard/courses/import", data={"csrf": editor.csrf},
        files={"file": ("b.csv", broken, "text/csv")}, headers=editor.headers,
    )  # fmt: skip
    assert response.status_code == 400
    assert "Zeile 6: Unbekannter Beruf: pilot" in response.text
    assert await _count(lotse) == 3
    exported = await client.get("/dashboard/courses/export.csv", headers=editor.headers)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    text = exported.content.decode("utf-8-sig")
    assert text.startswith("id;provider;title;kind;")
    assert "DEMO Teilqualifikation Lager" in text
    # Exported, changed and imported again: the same courses change, none are added.
    changed = text.replace("DEMO Teilqualifikation Lager", "DEMO TQ Lager (neu)").encode()
    again = await client.post(
        "/dashboard/courses/import", data={"csrf": editor.csrf},
        files={"file": ("k.csv", changed, "text/csv")}, headers=editor.headers,
    )  # fmt: skip
    assert again.status_code == 200
    assert await _count(lotse) == 3
    listing = await client.get("/dashboard/courses", headers=editor.headers)
    assert "DEMO TQ Lager (neu)" in listing.text


async def test_course_text_is_escaped(client: httpx.AsyncClient, lotse: Lotse) -> None:
    editor = await staff(lotse, "e@example.org", role="editor")
    await store(lotse, course(title="<script>alert(1)</script>"))
    listing = await client.get("/dashboard/courses", headers=editor.headers)
    assert "<script>alert(1)</script>" not in listing.text
    assert "&lt;script&gt;" in listing.text
