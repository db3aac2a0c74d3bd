"""Counsellor dashboard: login, sessions, CSRF, rate limit, escaping, regions, claims, booking."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import func, select, text

from bot.config import Settings
from bot.dashboard import auth
from bot.engine import Choice, Start, Text
from bot.handover import notify
from bot.handover.counsellors import hash_password
from bot.service import Content, Lotse
from bot.store.models import (
    AvailabilityRule,
    Base,
    Booking,
    Conversation,
    Counsellor,
    DashboardSession,
    Lead,
    LeadEvent,
    LoginLimit,
    Notification,
    Slot,
    utcnow,
)
from bot.web.app import create_app

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
BERLIN = ZoneInfo("Europe/Berlin")
LEAD_ACTIONS: list[tuple[str, dict[str, str]]] = [
    ("claim", {}),
    ("notes", {"note": "x"}),
    ("status", {"status": "cancelled"}),
    ("schedule", {"slot_id": "1"}),
]


@cache
def password_hash() -> str:
    """Argon2 is slow on purpose: hash the test password once per run."""
    return hash_password(PASSWORD)


def aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def berlin(value: dt.datetime) -> str:
    """How the dashboard shows a time: Berlin wall time, German style."""
    return f"{aware(value).astimezone(BERLIN):%d.%m.%Y %H:%M}"


async def add_counsellor(
    lotse: Lotse,
    email: str,
    *,
    region: str = "dortmund",
    languages: tuple[str, ...] = ("de",),
    role: str = "counsellor",
    name: str = "Beraterin",
) -> int:
    async with lotse.sessions() as db, db.begin():
        counsellor = Counsellor(
            email=email, name=name, password_hash=password_hash(), languages=list(languages),
            region=region, role=role, active=True,
        )  # fmt: skip
        db.add(counsellor)
        await db.flush()
        return counsellor.id


async def add_slots(lotse: Lotse, counsellor_id: int, count: int = 2) -> list[int]:
    """Free slots from the day after tomorrow at 10:00 UTC, one hour apart."""
    start = (utcnow() + dt.timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    async with lotse.sessions() as db, db.begin():
        slots = [
            Slot(
                counsellor_id=counsellor_id,
                starts_at=start + dt.timedelta(hours=i),
                ends_at=start + dt.timedelta(hours=i, minutes=45),
            )
            for i in range(count)
        ]
        db.add_all(slots)
        await db.flush()
        return [s.id for s in slots]


async def add_lead(
    lotse: Lotse,
    *,
    region: str = "dortmund",
    language: str = "tr",
    name: str = "Ayşe",
    slots: dict[str, Any] | None = None,
) -> int:
    """A lead as the chat leaves it, without driving the chat."""
    facts = {
        "outcome": "external_exam.result",
        "slots": slots or {"occupation": "koch", "years": 5, "workload": 1, "country": "TR"},
        "questions": ["external_exam.occupation", "external_exam.years"],
        "exam": {"needed": "4.5", "worked": "5", "missing": "0"},
    }
    async with lotse.sessions() as db, db.begin():
        conversation = Conversation(
            channel="web", user_key=secrets.token_hex(8), language=language, state={}
        )
        db.add(conversation)
        await db.flush()
        lead = Lead(
            conversation_id=conversation.id, channel="web", language=language, region=region,
            topic="external_exam.result", facts=facts, contact_name=name, contact_via="phone",
            contact_phone="+4915123456789", callback_requested=True, interpreter_needed=False,
            status="new",
        )  # fmt: skip
        db.add(lead)
        await db.flush()
        return lead.id


@dataclass(frozen=True)
class Staff:
    """A logged-in counsellor: the cookie value and the session's CSRF token."""

    counsellor_id: int
    token: str
    csrf: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": f"{auth.SESSION_COOKIE}={self.token}"}


async def session_for(lotse: Lotse, counsellor_id: int) -> Staff:
    """A session without the slow password check, for tests about other things than login."""
    async with lotse.sessions() as db, db.begin():
        token = await auth.start_session(session=db, counsellor_id=counsellor_id)
        stored = await db.get(DashboardSession, auth.session_id(token))
        assert stored is not None
        return Staff(counsellor_id, token, stored.csrf_token)


async def staff(lotse: Lotse, email: str, **kwargs: Any) -> Staff:
    return await session_for(lotse, await add_counsellor(lotse, email, **kwargs))


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/dashboard/login")
    assert page.status_code == 200
    token = csrf_of(page.text)
    return await client.post(
        "/dashboard/login", data={"csrf": token, "email": email, "password": password}
    )


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "no CSRF field on the page"
    return found[1]


def set_cookie(response: httpx.Response, name: str) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header
    return None


async def dump(lotse: Lotse) -> str:
    """Every row of every table, as text."""
    rows: list[str] = []
    async with lotse.sessions() as db:
        for table in Base.metadata.sorted_tables:
            result = await db.execute(text(f"SELECT * FROM {table.name} ORDER BY 1"))
            rows += [f"{table.name}: {tuple(row)}" for row in result]
    return "\n".join(rows)


async def get_lead(lotse: Lotse, lead_id: int) -> Lead:
    async with lotse.sessions() as db:
        lead = await db.get(Lead, lead_id)
        assert lead is not None
        return lead


# -- login, sessions, rate limit -----------------------------------------------------------------


async def test_login_with_argon2_hash_then_logout(client: httpx.AsyncClient, lotse: Lotse) -> None:
    assert password_hash().startswith("$argon2id$")
    await add_counsellor(lotse, "anna@example.org", name="Anna Beraterin")
    response = await login(client, "Anna@Example.org")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    token = client.cookies[auth.SESSION_COOKIE]
    page = await client.get("/dashboard")
    assert page.status_code == 200
    assert "Anna Beraterin" in page.text
    async with lotse.sessions() as db:
        stored = (await db.execute(select(DashboardSession))).scalar_one()
    assert stored.id == hashlib.sha256(token.encode()).hexdigest()
    assert token not in await dump(lotse)  # only the hash is stored

    out = await client.post("/dashboard/logout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303
    assert out.headers["location"] == "/dashboard/login"
    async with lotse.sessions() as db:
        assert (await db.execute(select(func.count(DashboardSession.id)))).scalar_one() == 0
    client.cookies.clear()
    again = await client.get("/dashboard", headers={"Cookie": f"{auth.SESSION_COOKIE}={token}"})
    assert again.status_code == 303  # the old cookie is worthless now
    assert again.headers["location"] == "/dashboard/login"


async def test_wrong_password_or_unknown_email_fails(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    await add_counsellor(lotse, "anna@example.org")
    for email, password in [
        ("anna@example.org", "wrong password!!"),
        ("nobody@example.org", PASSWORD),
    ]:
        response = await login(client, email, password)
        assert response.status_code == 401
        assert "E-Mail-Adresse oder Passwort ist falsch" in response.text
        assert set_cookie(response, auth.SESSION_COOKIE) is None
    assert (await client.get("/dashboard")).status_code == 303
    async with lotse.sessions() as db:
        assert (await db.execute(select(func.count(DashboardSession.id)))).scalar_one() == 0


async def test_deactivated_counsellor_cannot_log_in(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    counsellor_id = await add_counsellor(lotse, "gone@example.org")
    async with lotse.sessions() as db, db.begin():
        counsellor = await db.get(Counsellor, counsellor_id)
        assert counsellor is not None
        counsellor.active = False
    assert (await login(client, "gone@example.org")).status_code == 401


async def test_rate_limit_after_five_failures(client: httpx.AsyncClient, lotse: Lotse) -> None:
    await add_counsellor(lotse, "anna@example.org")
    await add_counsellor(lotse, "berta@example.org")
    for _ in range(5):
        assert (await login(client, "anna@example.org", "wrong password!!")).status_code == 401
    blocked = await login(client, "anna@example.org")  # even the right password waits now
    assert blocked.status_code == 429
    assert "Zu viele Anmeldeversuche" in blocked.text
    assert int(blocked.headers["retry-after"]) <= 60
    assert set_cookie(blocked, auth.SESSION_COOKIE) is None
    async with lotse.sessions() as db:
        keys = list((await db.execute(select(LoginLimit.key))).scalars())
    assert len(keys) == 3  # address and account, account, address
    assert all("anna" not in key and "127.0.0.1" not in key for key in keys)
    # Keyed by address and e-mail: a colleague at the same desk can still log in.
    assert (await login(client, "berta@example.org")).status_code == 303
    # Once the wait is over, the right password works.
    async with lotse.sessions() as db, db.begin():
        for limit in (await db.execute(select(LoginLimit))).scalars():
            if limit.blocked_until is not None:
                limit.blocked_until = utcnow() - dt.timedelta(seconds=1)
    assert (await login(client, "anna@example.org")).status_code == 303


async def test_session_cookie_flags(
    client: httpx.AsyncClient, lotse: Lotse, settings: Settings
) -> None:
    await add_counsellor(lotse, "anna@example.org")
    cookie = set_cookie(await login(client, "anna@example.org"), auth.SESSION_COOKIE)
    assert cookie is not None
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "path=/dashboard" in flags
    assert "secure" not in flags  # plain HTTP in development: a Secure cookie would be lost

    app = create_app(settings, lotse)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://lotse.test") as https:
        cookie = set_cookie(await login(https, "anna@example.org"), auth.SESSION_COOKIE)
    assert cookie is not None
    assert "secure" in {part.strip().lower() for part in cookie.split(";")}


async def test_each_login_starts_a_new_session(client: httpx.AsyncClient, lotse: Lotse) -> None:
    await add_counsellor(lotse, "anna@example.org")
    await login(client, "anna@example.org")
    first = client.cookies[auth.SESSION_COOKIE]
    await login(client, "anna@example.org")
    second = client.cookies[auth.SESSION_COOKIE]
    assert first != second
    client.cookies.clear()
    old = await client.get("/dashboard", headers={"Cookie": f"{auth.SESSION_COOKIE}={first}"})
    assert old.status_code == 303  # the session of the earlier login was replaced
    new = await client.get("/dashboard", headers={"Cookie": f"{auth.SESSION_COOKIE}={second}"})
    assert new.status_code == 200


async def test_expired_session_is_refused(client: httpx.AsyncClient, lotse: Lotse) -> None:
    anna = await staff(lotse, "anna@example.org")
    assert (await client.get("/dashboard", headers=anna.headers)).status_code == 200
    async with lotse.sessions() as db, db.begin():
        stored = await db.get(DashboardSession, auth.session_id(anna.token))
        assert stored is not None
        assert aware(stored.expires_at) - aware(stored.created_at) == dt.timedelta(hours=12)
        stored.expires_at = utcnow() - dt.timedelta(seconds=1)
    assert (await client.get("/dashboard", headers=anna.headers)).status_code == 303


@pytest.mark.parametrize(
    "path",
    ["/dashboard", "/dashboard/leads/1", "/dashboard/leads/1/appointment.ics", "/dashboard/slots",
     "/dashboard/admin"],
)  # fmt: skip
async def test_unauthenticated_requests_go_to_login(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/login"


async def test_pages_are_not_cached_or_framed(client: httpx.AsyncClient, lotse: Lotse) -> None:
    anna = await staff(lotse, "anna@example.org")
    page = await client.get("/dashboard", headers=anna.headers)
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none'
    css = await client.get("/dashboard/static/dashboard.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


# -- CSRF ------------------------------------------------------------------------------------------


async def test_every_post_without_a_valid_csrf_token_is_refused(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    admin = await staff(lotse, "admin@example.org", role="admin")
    other = await staff(lotse, "other@example.org")
    lead_id = await add_lead(lotse)
    slot_ids = await add_slots(lotse, admin.counsellor_id)
    async with lotse.sessions() as db, db.begin():
        rule = AvailabilityRule(
            counsellor_id=admin.counsellor_id, weekday=0, start_minute=540, end_minute=600,
            slot_minutes=45,
        )  # fmt: skip
        db.add(rule)
        await db.flush()
        rule_id = rule.id
    posts: list[tuple[str, dict[str, str]]] = [
        ("/dashboard/logout", {}),
        ("/dashboard/claim-next", {}),
        (f"/dashboard/leads/{lead_id}/claim", {}),
        (f"/dashboard/leads/{lead_id}/schedule", {"slot_id": str(slot_ids[0])}),
        (f"/dashboard/leads/{lead_id}/status", {"status": "cancelled"}),
        (f"/dashboard/leads/{lead_id}/notes", {"note": "Notiz"}),
        ("/dashboard/slots/rules", {"weekday": "1", "start": "09:00", "end": "12:00",
                                    "slot_minutes": "45"}),
        (f"/dashboard/slots/rules/{rule_id}/delete", {}),
        ("/dashboard/slots", {"date": (utcnow() + dt.timedelta(days=3)).date().isoformat(),
                              "start": "09:00", "slot_minutes": "45"}),
        (f"/dashboard/slots/{slot_ids[1]}/delete", {}),
        ("/dashboard/admin/counsellors", {"email": "new@example.org", "name": "Neu",
                                          "languages": "de", "region": "dortmund",
                                          "role": "counsellor", "password": PASSWORD}),
        (f"/dashboard/admin/counsellors/{other.counsellor_id}/deactivate", {}),
    ]  # fmt: skip
    before = await dump(lotse)
    for url, data in posts:
        for token in (None, "", "forged", other.csrf):  # missing, empty, wrong, another session's
            form = data if token is None else {**data, "csrf": token}
            response = await client.post(url, data=form, headers=admin.headers)
            assert response.status_code == 403, (url, token, response.status_code)
    # The login form has its own token, bound to a cookie, before there is a session.
    response = await client.post(
        "/dashboard/login", data={"email": "admin@example.org", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert await dump(lotse) == before  # nothing changed, not even a failed-login record
    # The same requests with the right token do work.
    claimed = await client.post(
        f"/dashboard/leads/{lead_id}/claim", data={"csrf": admin.csrf}, headers=admin.headers
    )
    assert claimed.status_code == 303
    assert (await get_lead(lotse, lead_id)).counsellor_id == admin.counsellor_id


# -- what counsellors see ------------------------------------------------------------------------


async def test_user_text_is_escaped(client: httpx.AsyncClient, lotse: Lotse) -> None:
    anna = await staff(lotse, "anna@example.org", role="admin")
    lead_id = await add_lead(
        lotse, name=SCRIPT, slots={"occupation": IMG, "country": SCRIPT, "years": 3}
    )
    noted = await client.post(
        f"/dashboard/leads/{lead_id}/notes", data={"csrf": anna.csrf, "note": IMG},
        headers=anna.headers,
    )  # fmt: skip
    assert noted.status_code == 303
    await client.post(
        "/dashboard/admin/counsellors",
        data={"csrf": anna.csrf, "email": "x@example.org", "name": SCRIPT, "languages": "de",
              "region": "dortmund", "role": "counsellor", "password": "short"},
        headers=anna.headers,
    )  # fmt: skip
    pages = [
        await client.get(f"/dashboard/leads/{lead_id}", headers=anna.headers),
        await client.get("/dashboard", headers=anna.headers),
        await client.post(  # the admin form shows the rejected name again
            "/dashboard/admin/counsellors",
            data={"csrf": anna.csrf, "email": "x@example.org", "name": SCRIPT, "languages": "de",
                  "region": "dortmund", "role": "counsellor", "password": "short"},
            headers=anna.headers,
        ),
    ]  # fmt: skip
    detail, queue, admin = (page.text for page in pages)
    for html in (detail, queue, admin):
        assert "<script>" not in html
        assert "<img" not in html
        assert "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in detail
    assert "&lt;img src=x onerror=alert(1)&gt;" in queue
    assert "&lt;script&gt;" in admin


async def test_queue_lists_only_the_region_and_filters(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    anna = await staff(lotse, "anna@example.org")
    tr_lead = await add_lead(lotse, language="tr")
    ru_lead = await add_lead(lotse, language="ru")
    elsewhere = await add_lead(lotse, region="luckenwalde")
    page = await client.get("/dashboard", headers=anna.headers)
    assert f'/dashboard/leads/{tr_lead}"' in page.text
    assert f'/dashboard/leads/{ru_lead}"' in page.text
    assert f'/dashboard/leads/{elsewhere}"' not in page.text
    for shown in ("Koch/Köchin", "5 Jahre", "Türkei", "Türkisch", "Web-Chat", "Rückruf gewünscht",
                  "Zulassung möglich", "Neu"):  # fmt: skip
        assert shown in page.text
    only_ru = await client.get("/dashboard?language=ru", headers=anna.headers)
    assert f'/dashboard/leads/{ru_lead}"' in only_ru.text
    assert f'/dashboard/leads/{tr_lead}"' not in only_ru.text
    done = await client.get("/dashboard?status=done", headers=anna.headers)
    assert "/dashboard/leads/" not in done.text


async def test_other_regions_leads_do_not_exist(client: httpx.AsyncClient, lotse: Lotse) -> None:
    dortmund = await staff(lotse, "anna@example.org", role="admin")
    lead_id = await add_lead(lotse, region="luckenwalde")
    before = await dump(lotse)
    assert (
        await client.get(f"/dashboard/leads/{lead_id}", headers=dortmund.headers)
    ).status_code == 404
    ics = await client.get(f"/dashboard/leads/{lead_id}/appointment.ics", headers=dortmund.headers)
    assert ics.status_code == 404
    missing = await client.get("/dashboard/leads/999999", headers=dortmund.headers)
    assert missing.status_code == 404  # the same answer as for a lead that does not exist
    for action, data in LEAD_ACTIONS:
        response = await client.post(
            f"/dashboard/leads/{lead_id}/{action}", data={**data, "csrf": dortmund.csrf},
            headers=dortmund.headers,
        )  # fmt: skip
        assert response.status_code == 404, action
    claimed = await client.post(
        "/dashboard/claim-next", data={"csrf": dortmund.csrf}, headers=dortmund.headers
    )
    assert claimed.headers["location"] == "/dashboard?msg=none"
    assert await dump(lotse) == before
    luckenwalde = await staff(lotse, "lw@example.org", region="luckenwalde")
    assert (
        await client.get(f"/dashboard/leads/{lead_id}", headers=luckenwalde.headers)
    ).status_code == 200


async def test_admin_pages_are_for_admins(client: httpx.AsyncClient, lotse: Lotse) -> None:
    anna = await staff(lotse, "anna@example.org")
    admin = await staff(lotse, "admin@example.org", role="admin")
    assert (await client.get("/dashboard/admin", headers=anna.headers)).status_code == 403
    refused = await client.post(
        f"/dashboard/admin/counsellors/{admin.counsellor_id}/deactivate",
        data={"csrf": anna.csrf}, headers=anna.headers,
    )  # fmt: skip
    assert refused.status_code == 403
    page = await client.get("/dashboard/admin", headers=admin.headers)
    assert page.status_code == 200
    assert "anna@example.org" in page.text
    assert "/dashboard/admin" not in (await client.get("/dashboard", headers=anna.headers)).text


async def test_admin_adds_and_deactivates_a_counsellor(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    admin = await staff(lotse, "admin@example.org", role="admin")
    added = await client.post(
        "/dashboard/admin/counsellors",
        data={"csrf": admin.csrf, "email": "Neu@Example.org", "name": "Neue Kollegin",
              "languages": ["tr", "de"], "region": "luckenwalde", "role": "counsellor",
              "password": PASSWORD},
        headers=admin.headers,
    )  # fmt: skip
    assert added.status_code == 303
    async with lotse.sessions() as db:
        new = (
            await db.execute(select(Counsellor).where(Counsellor.email == "neu@example.org"))
        ).scalar_one()
    assert (new.languages, new.region, new.role) == (["tr", "de"], "luckenwalde", "counsellor")
    assert new.password_hash.startswith("$argon2id$")
    short = await client.post(
        "/dashboard/admin/counsellors",
        data={"csrf": admin.csrf, "email": "kurz@example.org", "name": "Kurz", "languages": "de",
              "region": "dortmund", "role": "counsellor", "password": "short"},
        headers=admin.headers,
    )  # fmt: skip
    assert short.status_code == 400
    assert "12 characters" in short.text

    colleague = await session_for(lotse, new.id)
    assert (await client.get("/dashboard", headers=colleague.headers)).status_code == 200
    off = await client.post(
        f"/dashboard/admin/counsellors/{new.id}/deactivate", data={"csrf": admin.csrf},
        headers=admin.headers,
    )  # fmt: skip
    assert off.headers["location"] == "/dashboard/admin?msg=deactivated"
    assert (await client.get("/dashboard", headers=colleague.headers)).status_code == 303
    itself = await client.post(
        f"/dashboard/admin/counsellors/{admin.counsellor_id}/deactivate",
        data={"csrf": admin.csrf}, headers=admin.headers,
    )  # fmt: skip
    assert itself.headers["location"] == "/dashboard/admin?msg=self"


# -- claiming --------------------------------------------------------------------------------------


async def test_ten_concurrent_claims_give_exactly_one_owner(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    lead_id = await add_lead(lotse)
    team = [await staff(lotse, f"c{i}@example.org") for i in range(10)]
    responses = await asyncio.gather(
        *(
            client.post(
                f"/dashboard/leads/{lead_id}/claim", data={"csrf": s.csrf}, headers=s.headers
            )
            for s in team
        )
    )
    outcomes = [r.headers["location"].rsplit("=", 1)[1] for r in responses]
    assert sorted(outcomes) == ["claimed"] + ["taken"] * 9
    winner = team[outcomes.index("claimed")]
    lead = await get_lead(lotse, lead_id)
    assert (lead.status, lead.counsellor_id) == ("claimed", winner.counsellor_id)
    async with lotse.sessions() as db:
        claims = (
            (await db.execute(select(LeadEvent).where(LeadEvent.to_status == "claimed")))
            .scalars()
            .all()
        )
    assert [(e.actor, e.from_status) for e in claims] == [
        (f"counsellor:{winner.counsellor_id}", "new")
    ]


async def test_claim_next_hands_out_each_lead_once(client: httpx.AsyncClient, lotse: Lotse) -> None:
    lead_ids = {await add_lead(lotse) for _ in range(3)}
    await add_lead(lotse, region="luckenwalde")
    team = [await staff(lotse, f"c{i}@example.org") for i in range(6)]
    responses = await asyncio.gather(
        *(
            client.post("/dashboard/claim-next", data={"csrf": s.csrf}, headers=s.headers)
            for s in team
        )
    )
    locations = [r.headers["location"] for r in responses]
    got = [int(loc.split("/")[3].split("?")[0]) for loc in locations if "/leads/" in loc]
    assert sorted(got) == sorted(lead_ids)  # every lead once, none twice, none elsewhere
    assert locations.count("/dashboard?msg=none") == 3
    async with lotse.sessions() as db:
        owners = (
            (await db.execute(select(Lead.counsellor_id).where(Lead.status == "claimed")))
            .scalars()
            .all()
        )
    assert len(set(owners)) == 3


# -- scheduling, cancelling, calendar --------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    lead_id: int
    slot_ids: list[int]
    owner: Staff


@pytest.fixture
async def claimed(client: httpx.AsyncClient, lotse: Lotse) -> Case:
    """A Turkish web-chat lead with contact details, claimed by a counsellor with free slots."""
    await lotse.handle(
        channel="web",
        user_key="ayse",
        events=[Start(language="tr"), Text("/human"), Choice("agree"), Text("Ayşe"),
                Choice("chat"), Choice("anytime")],
    )  # fmt: skip
    async with lotse.sessions() as db:
        lead_id = (await db.execute(select(Lead.id))).scalar_one()
    owner = await staff(lotse, "anna@example.org", languages=("de", "tr"))
    slot_ids = await add_slots(lotse, owner.counsellor_id, 3)
    response = await client.post(
        f"/dashboard/leads/{lead_id}/claim", data={"csrf": owner.csrf}, headers=owner.headers
    )
    assert response.headers["location"].endswith("msg=claimed")
    return Case(lead_id, slot_ids, owner)


async def test_schedule_from_the_dashboard_tells_the_person(
    client: httpx.AsyncClient, lotse: Lotse, content: Content, claimed: Case
) -> None:
    owner, lead_id = claimed.owner, claimed.lead_id
    page = await client.get(f"/dashboard/leads/{lead_id}", headers=owner.headers)
    assert f'value="{claimed.slot_ids[1]}"' in page.text  # own free slots are offered
    response = await client.post(
        f"/dashboard/leads/{lead_id}/schedule",
        data={"csrf": owner.csrf, "slot_id": str(claimed.slot_ids[1])}, headers=owner.headers,
    )  # fmt: skip
    assert response.headers["location"].endswith("msg=scheduled")
    async with lotse.sessions() as db:
        slot = await db.get(Slot, claimed.slot_ids[1])
        assert slot is not None
        start = aware(slot.starts_at)
        booking = (await db.execute(select(Booking))).scalar_one()
        told = (
            await db.execute(select(Notification).where(Notification.kind == "scheduled"))
        ).scalar_one()
        reminder = (
            await db.execute(select(Notification).where(Notification.kind == "reminder"))
        ).scalar_one()
    lead = await get_lead(lotse, lead_id)
    assert booking.slot_id == slot.id
    assert (lead.status, lead.counsellor_id) == ("scheduled", owner.counsellor_id)
    assert told.message_id == notify.SCHEDULED
    # When and how, with the counsellor's first name; nothing of the person.
    assert told.params == {"appointment": start.isoformat(), "mode": "phone", "with": "Beraterin"}
    assert aware(reminder.due_at) == start - dt.timedelta(hours=24)
    # The person reads it in Turkish with their next message.
    outcome = await lotse.handle(channel="web", user_key="ayse", events=[Text("/menu")])
    assert content.catalogs.translator("tr").datetime(start) in outcome.messages[0].text
    detail = await client.get(f"/dashboard/leads/{lead_id}", headers=owner.headers)
    assert berlin(start) in detail.text
    async with lotse.sessions() as db:
        event = (
            await db.execute(select(LeadEvent).where(LeadEvent.to_status == "scheduled"))
        ).scalar_one()
    assert event.actor == f"counsellor:{owner.counsellor_id}"  # not "person": who did it counts
    # A slot that is not one's own, or already booked, is refused.
    colleague = await staff(lotse, "berta@example.org")
    foreign = await add_slots(lotse, colleague.counsellor_id, 1)
    refused = await client.post(
        f"/dashboard/leads/{lead_id}/schedule",
        data={"csrf": owner.csrf, "slot_id": str(foreign[0])}, headers=owner.headers,
    )  # fmt: skip
    assert refused.headers["location"].endswith("msg=slot_gone")
    async with lotse.sessions() as db:
        assert (await db.execute(select(Booking.slot_id))).scalars().all() == [slot.id]


async def test_appointment_ics_has_the_right_start(
    client: httpx.AsyncClient, lotse: Lotse, claimed: Case
) -> None:
    owner, lead_id = claimed.owner, claimed.lead_id
    none_yet = await client.get(
        f"/dashboard/leads/{lead_id}/appointment.ics", headers=owner.headers
    )
    assert none_yet.status_code == 404
    await client.post(
        f"/dashboard/leads/{lead_id}/schedule",
        data={"csrf": owner.csrf, "slot_id": str(claimed.slot_ids[0])}, headers=owner.headers,
    )  # fmt: skip
    response = await client.get(
        f"/dashboard/leads/{lead_id}/appointment.ics", headers=owner.headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    async with lotse.sessions() as db:
        slot = await db.get(Slot, claimed.slot_ids[0])
        assert slot is not None
    assert events[0].decoded("dtstart") == aware(slot.starts_at)
    assert events[0].decoded("dtend") == aware(slot.ends_at)
    assert "Ayşe" in str(events[0]["summary"])
    # The person's number travels with the file only when the counsellor ticks it.
    async with lotse.sessions() as db, db.begin():
        lead = await db.get(Lead, lead_id)
        assert lead is not None
        lead.contact_phone = "+4915123456789"
    url = f"/dashboard/leads/{lead_id}/appointment.ics"
    plain = await client.get(url, headers=owner.headers)
    assert "+4915123456789" not in plain.text
    ticked = await client.get(f"{url}?phone=true", headers=owner.headers)
    event = Calendar.from_ical(ticked.content).walk("VEVENT")[0]
    assert "+4915123456789" in str(event["description"])


async def test_cancel_frees_the_slot_and_tells_the_person(
    client: httpx.AsyncClient, lotse: Lotse, claimed: Case
) -> None:
    owner, lead_id = claimed.owner, claimed.lead_id
    await client.post(
        f"/dashboard/leads/{lead_id}/schedule",
        data={"csrf": owner.csrf, "slot_id": str(claimed.slot_ids[0])}, headers=owner.headers,
    )  # fmt: skip
    other = await staff(lotse, "berta@example.org")
    refused = await client.post(
        f"/dashboard/leads/{lead_id}/status", data={"csrf": other.csrf, "status": "cancelled"},
        headers=other.headers,
    )  # fmt: skip
    assert refused.status_code == 403  # only the counsellor of the case (or an admin)
    response = await client.post(
        f"/dashboard/leads/{lead_id}/status", data={"csrf": owner.csrf, "status": "cancelled"},
        headers=owner.headers,
    )  # fmt: skip
    assert response.headers["location"].endswith("msg=cancelled")
    lead = await get_lead(lotse, lead_id)
    assert lead.status == "cancelled"
    async with lotse.sessions() as db:
        assert (await db.execute(select(func.count(Booking.id)))).scalar_one() == 0
        kinds = sorted((await db.execute(select(Notification.kind))).scalars())
        cancelled = (
            await db.execute(select(Notification).where(Notification.kind == "cancelled"))
        ).scalar_one()
    assert kinds == ["cancelled", "scheduled"]  # the reminder is gone
    assert cancelled.message_id == notify.CANCELLED_BY_COUNSELLOR
    again = await client.post(
        f"/dashboard/leads/{lead_id}/status", data={"csrf": owner.csrf, "status": "done"},
        headers=owner.headers,
    )  # fmt: skip
    assert again.headers["location"].endswith("msg=not_allowed")


async def test_done_and_no_show_are_recorded(
    client: httpx.AsyncClient, lotse: Lotse, claimed: Case
) -> None:
    owner, lead_id = claimed.owner, claimed.lead_id
    await client.post(
        f"/dashboard/leads/{lead_id}/status", data={"csrf": owner.csrf, "status": "no_show"},
        headers=owner.headers,
    )  # fmt: skip
    assert (await get_lead(lotse, lead_id)).status == "no_show"
    page = await client.get(f"/dashboard/leads/{lead_id}", headers=owner.headers)
    assert "Übernommen → Nicht erschienen" in page.text


async def test_questions_and_notes_on_the_detail_page(
    client: httpx.AsyncClient, lotse: Lotse, claimed: Case
) -> None:
    owner, lead_id = claimed.owner, claimed.lead_id
    await client.post(
        f"/dashboard/leads/{lead_id}/notes", data={"csrf": owner.csrf, "note": "Ruft morgen an."},
        headers=owner.headers,
    )  # fmt: skip
    page = await client.get(f"/dashboard/leads/{lead_id}", headers=owner.headers)
    assert "Ruft morgen an." in page.text
    # Straight to a counsellor: no case questions; the handover's own are in the contact section.
    assert "Die Person hat direkt nach einer Beratung gefragt." in page.text
    assert "Wie dürfen wir Sie ansprechen?" not in page.text
    assert "Ayşe" in page.text
    assert '"state"' not in page.text
    assert "user_key" not in page.text


async def test_the_case_questions_are_shown_in_german_with_their_answers(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    await lotse.handle(
        channel="web",
        user_key="cook",
        events=[Start(language="tr"), Text("6 yildir asci olarak calisiyorum"), Choice("full"),
                Text("/human"), Choice("agree"), Text("Ayşe"), Choice("chat"),
                Choice("anytime")],
    )  # fmt: skip
    async with lotse.sessions() as db:
        lead_id = (await db.execute(select(Lead.id))).scalar_one()
    owner = await staff(lotse, "anna@example.org", languages=("de", "tr"))
    page = await client.get(f"/dashboard/leads/{lead_id}", headers=owner.headers)
    asked = page.text[page.text.index('id="questions"') : page.text.index('id="own-words"')]
    # Asked in Turkish, shown in German, with the answer.
    assert "Haben Sie in Vollzeit oder in Teilzeit gearbeitet?" in asked
    assert "<strong>Vollzeit</strong>" in asked
    # Prompts that record nothing and the handover's own questions are left out here.
    left_out = (
        "Möchten Sie mit einer Beraterin",
        "Wie dürfen wir Sie ansprechen?",
        "Wie sollen wir Sie erreichen?",
        "Wann erreichen wir Sie am besten?",
    )
    assert not [question for question in left_out if question in asked]


# -- availability ----------------------------------------------------------------------------------


async def test_slot_management(client: httpx.AsyncClient, lotse: Lotse, claimed: Case) -> None:
    owner = claimed.owner
    headers = owner.headers
    added = await client.post(
        "/dashboard/slots/rules",
        data={"csrf": owner.csrf, "weekday": "2", "start": "09:00", "end": "11:15",
              "slot_minutes": "45"},
        headers=headers,
    )  # fmt: skip
    assert added.headers["location"].endswith("msg=rule_added")
    async with lotse.sessions() as db:
        rule = (await db.execute(select(AvailabilityRule))).scalar_one()
        made = (
            await db.execute(select(func.count(Slot.id)).where(Slot.rule_id == rule.id))
        ).scalar_one()
    assert made >= 9  # three a Wednesday, for the coming four weeks
    bad = await client.post(
        "/dashboard/slots/rules",
        data={"csrf": owner.csrf, "weekday": "2", "start": "11:00", "end": "09:00",
              "slot_minutes": "45"},
        headers=headers,
    )  # fmt: skip
    assert bad.headers["location"].endswith("msg=invalid")

    day = (dt.datetime.now(BERLIN) + dt.timedelta(days=5)).date().isoformat()
    single = {"csrf": owner.csrf, "date": day, "start": "16:30", "slot_minutes": "30"}
    first = await client.post("/dashboard/slots", data=single, headers=headers)
    assert first.headers["location"].endswith("msg=slot_added")
    twice = await client.post("/dashboard/slots", data=single, headers=headers)
    assert twice.headers["location"].endswith("msg=slot_exists")
    page = await client.get("/dashboard/slots", headers=headers)
    assert f"{dt.date.fromisoformat(day):%d.%m.%Y} 16:30" in page.text

    # A booked slot stays; a free one can go.
    await client.post(
        f"/dashboard/leads/{claimed.lead_id}/schedule",
        data={"csrf": owner.csrf, "slot_id": str(claimed.slot_ids[0])}, headers=headers,
    )  # fmt: skip
    booked = await client.post(
        f"/dashboard/slots/{claimed.slot_ids[0]}/delete", data={"csrf": owner.csrf}, headers=headers
    )
    assert booked.headers["location"].endswith("msg=slot_booked")
    free = await client.post(
        f"/dashboard/slots/{claimed.slot_ids[1]}/delete", data={"csrf": owner.csrf}, headers=headers
    )
    assert free.headers["location"].endswith("msg=slot_deleted")
    other = await staff(lotse, "berta@example.org")
    foreign = await client.post(
        f"/dashboard/slots/{claimed.slot_ids[2]}/delete", data={"csrf": other.csrf},
        headers=other.headers,
    )  # fmt: skip
    assert foreign.headers["location"].endswith("msg=slot_booked")  # not hers: nothing happens
    async with lotse.sessions() as db:
        left = set((await db.execute(select(Slot.id))).scalars())
    assert claimed.slot_ids[0] in left
    assert claimed.slot_ids[2] in left
    assert claimed.slot_ids[1] not in left

    gone = await client.post(
        f"/dashboard/slots/rules/{rule.id}/delete", data={"csrf": owner.csrf}, headers=headers
    )
    assert gone.headers["location"].endswith("msg=rule_deleted")
    async with lotse.sessions() as db:
        assert (await db.execute(select(func.count(AvailabilityRule.id)))).scalar_one() == 0
        assert (
            await db.execute(select(func.count(Slot.id)).where(Slot.rule_id == rule.id))
        ).scalar_one() == 0


# -- the whole path --------------------------------------------------------------------------------

NAMES = {"de": "Zeynep", "tr": "Ayşe", "ru": "Ольга"}
LANGUAGE_NAMES = {"de": "Deutsch", "tr": "Türkisch", "ru": "Russisch"}


async def chat(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.parametrize("language", ["de", "tr", "ru"])
async def test_chat_message_to_appointment_in_the_dashboard(
    language: str, client: httpx.AsyncClient, lotse: Lotse
) -> None:
    counsellor_id = await add_counsellor(lotse, "anna@example.org", languages=(language,))
    slot_ids = await add_slots(lotse, counsellor_id, 2)
    session = (await chat(client, session=None, language=language))["session"]
    steps: list[dict[str, str]] = [
        {"choice": "exam"}, {"choice": "koch"}, {"text": "5"}, {"choice": "full"},
        {"choice": "human"}, {"choice": "agree"}, {"text": NAMES[language]}, {"choice": "phone"},
        {"text": "0151 23456789"}, {"choice": "mornings"},
    ]  # fmt: skip
    for step in steps:
        answer = await chat(client, session=session, **step)
    offered = [o["id"] for m in answer["messages"] for o in m["options"]]
    assert f"slot:{slot_ids[0]}" in offered
    await chat(client, session=session, choice=f"slot:{slot_ids[0]}")

    assert (await login(client, "anna@example.org")).status_code == 303
    async with lotse.sessions() as db:
        slot = await db.get(Slot, slot_ids[0])
        assert slot is not None
        lead_id = (await db.execute(select(Lead.id))).scalar_one()
    when = berlin(slot.starts_at)
    queue = await client.get("/dashboard")
    assert f'/dashboard/leads/{lead_id}"' in queue.text
    for shown in (when, "Termin vereinbart", LANGUAGE_NAMES[language], "Koch/Köchin", "5 Jahre",
                  "Zulassung möglich"):  # fmt: skip
        assert shown in queue.text, shown
    detail = await client.get(f"/dashboard/leads/{lead_id}")
    for shown in (when, NAMES[language], "+4915123456789", "vormittags",
                  "In welchem Beruf arbeiten Sie?", "Wie viele Jahre haben Sie schon"):  # fmt: skip
        assert shown in detail.text, shown
    assert (await client.get(f"/dashboard/leads/{lead_id}/appointment.ics")).status_code == 200
