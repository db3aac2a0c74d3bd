"""Password reset by an admin: a one-time link, shown once, valid for a day, used once; the new
password ends every session of the account."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re

import httpx
from sqlalchemy import select, text

from bot.dashboard import auth, password_reset
from bot.dashboard.password_reset import RESET_COOKIE, RESET_LIFETIME, State
from bot.handover.counsellors import verify_password
from bot.service import Lotse
from bot.store.models import Base, Counsellor, DashboardSession, PasswordReset, utcnow

from .conftest import PASSWORD, Staff, csrf_of, login, staff

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r'value="http://lotse\.test(/dashboard/reset/[A-Za-z0-9_-]+)"')


async def make_link(client: httpx.AsyncClient, admin: Staff, counsellor_id: int) -> str:
    """The admin makes a link; its path, as the page shows it once."""
    page = await client.post(
        f"/dashboard/admin/reset-links/{counsellor_id}", data={"csrf": admin.csrf},
        headers=admin.headers,
    )  # fmt: skip
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    found = LINK.search(page.text)
    assert found is not None, page.text
    return found[1]


async def set_password(
    client: httpx.AsyncClient, path: str, password: str = NEW_PASSWORD, repeat: str | None = None
) -> httpx.Response:
    """Open the link, then send the form with its token (the cookie travels with the client)."""
    form = await client.get(path)
    if form.status_code != 200:
        return form
    return await client.post(
        path,
        data={"csrf": csrf_of(form.text), "password": password, "repeat": repeat or password},
    )


async def dump(lotse: Lotse) -> str:
    rows: list[str] = []
    async with lotse.sessions() as db:
        for table in Base.metadata.sorted_tables:
            result = await db.execute(text(f"SELECT * FROM {table.name} ORDER BY 1"))
            rows += [f"{table.name}: {tuple(row)}" for row in result]
    return "\n".join(rows)


async def test_reset_link_works_once_and_ends_old_sessions(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    admin = await staff(lotse, "admin@example.org", role="admin")
    anna = await staff(lotse, "anna@example.org", name="Anna Beraterin")
    assert (await client.get("/dashboard", headers=anna.headers)).status_code == 200
    admin_page = await client.get("/dashboard/admin", headers=admin.headers)
    assert f'action="/dashboard/admin/reset-links/{anna.counsellor_id}"' in admin_page.text

    path = await make_link(client, admin, anna.counsellor_id)
    token = path.rsplit("/", 1)[1]
    stored = await dump(lotse)
    assert token not in stored  # only its hash
    assert hashlib.sha256(token.encode()).hexdigest() in stored

    form = await client.get(path)
    assert form.status_code == 200
    assert "Neues Passwort festlegen" in form.text
    cookie = form.headers["set-cookie"]
    assert cookie.startswith(f"{RESET_COOKIE}=")
    assert "Path=/dashboard/reset" in cookie
    assert "HttpOnly" in cookie
    # Too short, or two different passwords: the form again, the link still good.
    short = await set_password(client, path, "short")
    assert short.status_code == 400
    assert "mindestens 12 Zeichen" in short.text
    different = await set_password(client, path, NEW_PASSWORD, "another passphrase!")
    assert different.status_code == 400
    assert "nicht gleich" in different.text

    done = await set_password(client, path)
    assert done.status_code == 200
    assert "Ihr Passwort ist geändert" in done.text
    async with lotse.sessions() as db:
        counsellor = await db.get(Counsellor, anna.counsellor_id)
        assert counsellor is not None
        sessions = list(
            (
                await db.execute(
                    select(DashboardSession.id).where(
                        DashboardSession.counsellor_id == anna.counsellor_id
                    )
                )
            ).scalars()
        )
    assert counsellor.password_hash.startswith("$argon2id$")
    assert verify_password(counsellor.password_hash, NEW_PASSWORD)
    assert sessions == []
    old = await client.get("/dashboard", headers=anna.headers)
    assert old.status_code == 303  # the old session ended
    assert old.headers["location"] == "/dashboard/login"
    assert (await client.get("/dashboard", headers=admin.headers)).status_code == 200

    # Not twice.
    again = await client.get(path)
    assert again.status_code == 410
    assert "schon benutzt" in again.text
    assert "Neues Passwort festlegen" not in again.text
    client.cookies.clear()
    assert (await login(client, "anna@example.org", PASSWORD)).status_code == 401
    client.cookies.clear()
    assert (await login(client, "anna@example.org", NEW_PASSWORD)).status_code == 303


async def test_reset_link_expires_after_a_day(client: httpx.AsyncClient, lotse: Lotse) -> None:
    admin = await staff(lotse, "admin@example.org", role="admin")
    anna = await staff(lotse, "anna@example.org")
    path = await make_link(client, admin, anna.counsellor_id)
    token = path.rsplit("/", 1)[1]
    async with lotse.sessions() as db:
        reset = (await db.execute(select(PasswordReset))).scalar_one()
        created = (
            reset.created_at if reset.created_at.tzinfo else reset.created_at.replace(tzinfo=dt.UTC)
        )
        # With the clock injected: still good a second before the day is over, not after.
        almost = created + RESET_LIFETIME - dt.timedelta(seconds=1)
        assert await password_reset.check(session=db, token=token, now=almost) is State.VALID
        assert (
            await password_reset.check(session=db, token=token, now=created + RESET_LIFETIME)
            is State.EXPIRED
        )
    # Through the web: the row made 24 hours and a second ago.
    async with lotse.sessions() as db, db.begin():
        reset = (await db.execute(select(PasswordReset))).scalar_one()
        reset.created_at = utcnow() - RESET_LIFETIME - dt.timedelta(seconds=1)
    expired = await client.get(path)
    assert expired.status_code == 410
    assert "abgelaufen" in expired.text
    before = await dump(lotse)
    posted = await client.post(
        path, data={"csrf": "x", "password": NEW_PASSWORD, "repeat": NEW_PASSWORD},
        headers={"Cookie": f"{RESET_COOKIE}=x"},
    )  # fmt: skip
    assert posted.status_code == 410
    async with lotse.sessions() as db:
        counsellor = await db.get(Counsellor, anna.counsellor_id)
        assert counsellor is not None
        assert verify_password(counsellor.password_hash, PASSWORD)
    assert (await client.get("/dashboard", headers=anna.headers)).status_code == 200
    assert before.count("password_resets") == (await dump(lotse)).count("password_resets")


async def test_a_new_link_replaces_the_old_and_only_admins_make_them(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    admin = await staff(lotse, "admin@example.org", role="admin")
    anna = await staff(lotse, "anna@example.org")
    berta = await staff(lotse, "berta@example.org")
    refused = await client.post(
        f"/dashboard/admin/reset-links/{berta.counsellor_id}", data={"csrf": anna.csrf},
        headers=anna.headers,
    )  # fmt: skip
    assert refused.status_code == 403
    forged = await client.post(
        f"/dashboard/admin/reset-links/{berta.counsellor_id}", data={"csrf": anna.csrf},
        headers=admin.headers,
    )  # fmt: skip
    assert forged.status_code == 403
    first = await make_link(client, admin, anna.counsellor_id)
    second = await make_link(client, admin, anna.counsellor_id)
    assert first != second
    assert (await client.get(first)).status_code == 404
    assert (await client.get(second)).status_code == 200
    missing = await client.post(
        "/dashboard/admin/reset-links/999999", data={"csrf": admin.csrf}, headers=admin.headers
    )
    assert missing.headers["location"] == "/dashboard/admin?msg=not_found"
    # A deactivated account's link does not work.
    async with lotse.sessions() as db, db.begin():
        counsellor = await db.get(Counsellor, anna.counsellor_id)
        assert counsellor is not None
        counsellor.active = False
    assert (await client.get(second)).status_code == 404


async def test_the_reset_form_needs_its_csrf_cookie(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    admin = await staff(lotse, "admin@example.org", role="admin")
    anna = await staff(lotse, "anna@example.org")
    path = await make_link(client, admin, anna.counsellor_id)
    form = await client.get(path)
    token = csrf_of(form.text)
    client.cookies.clear()
    without_cookie = await client.post(
        path, data={"csrf": token, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert without_cookie.status_code == 403
    foreign = await client.post(
        path, data={"csrf": token, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD},
        headers={"Cookie": f"{RESET_COOKIE}={token}", "Origin": "https://evil.example"},
    )  # fmt: skip
    assert foreign.status_code == 403
    assert (await client.get("/dashboard", headers=anna.headers)).status_code == 200
    assert (await client.get(path)).status_code == 200  # still unused


async def test_guessing_links_meets_the_login_limit(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    admin = await staff(lotse, "admin@example.org", role="admin")
    anna = await staff(lotse, "anna@example.org")
    path = await make_link(client, admin, anna.counsellor_id)
    for _ in range(5):
        assert (await client.get(path)).status_code == 200  # a good link takes its count back
    for i in range(20):
        guess = await client.get(f"/dashboard/reset/guess{i}")
        assert guess.status_code == 404
        assert "gilt nicht" in guess.text
    blocked = await client.get(path)
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) <= 60
    # The same counter as logins from this address: the login waits too.
    assert (await login(client, "anna@example.org")).status_code == 429
    assert auth.SESSION_COOKIE not in client.cookies


async def test_two_requests_with_one_link_change_the_password_once(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    admin = await staff(lotse, "admin@example.org", role="admin")
    anna = await staff(lotse, "anna@example.org")
    path = await make_link(client, admin, anna.counsellor_id)
    token = csrf_of((await client.get(path)).text)
    answers = await asyncio.gather(
        *(
            client.post(path, data={"csrf": token, "password": word, "repeat": word})
            for word in (NEW_PASSWORD, "the other new passphrase")
        )
    )
    assert sorted(answer.status_code for answer in answers) == [200, 410]
    winner = NEW_PASSWORD if answers[0].status_code == 200 else "the other new passphrase"
    async with lotse.sessions() as db:
        counsellor = await db.get(Counsellor, anna.counsellor_id)
        assert counsellor is not None
        assert verify_password(counsellor.password_hash, winner)
