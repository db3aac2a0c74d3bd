"""Issue 10, points 9–12: login limits that hold under concurrency, trusted proxies, origins,
the production secret."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import ValidationError
from sqlalchemy import select

from bot.cli import server_config
from bot.config import Settings
from bot.dashboard import auth, ratelimit
from bot.handover import counsellors
from bot.service import Lotse
from bot.store.models import LoginLimit, utcnow
from bot.web.app import create_app

from .conftest import PASSWORD, add_counsellor, csrf_of, login

WRONG = "wrong password!!"


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password check the login makes (argon2 is what an attacker wants to run); each
    takes 20 ms instead of argon2's 200, so that the races stay and the tests are quick."""
    made: list[str] = []

    def counted(stored: str, password: str) -> bool:
        made.append(password)
        time.sleep(0.02)
        return stored != counsellors.DUMMY_HASH and password == PASSWORD

    monkeypatch.setattr(auth, "verify_password", counted)
    return made


async def expire_waits(lotse: Lotse) -> None:
    """As if the waits were over (the counts stay)."""
    async with lotse.sessions() as db, db.begin():
        for limit in (await db.execute(select(LoginLimit))).scalars():
            limit.blocked_until = None if limit.blocked_until is None else utcnow()


async def concurrent_attempts(client: httpx.AsyncClient, pairs: list[tuple[str, str]]) -> list[int]:
    page = await client.get("/dashboard/login")
    token = csrf_of(page.text)

    async def attempt(email: str, password: str) -> int:
        data = {"csrf": token, "email": email, "password": password}
        return (await client.post("/dashboard/login", data=data)).status_code

    return list(await asyncio.gather(*(attempt(e, p) for e, p in pairs)))


# -- point 9 -----------------------------------------------------------------------------------


async def test_thirty_concurrent_wrong_passwords_are_checked_five_times(
    client: httpx.AsyncClient, lotse: Lotse, checks: list[str]
) -> None:
    """On PostgreSQL 19 of 30 were checked before: the count and the check were not atomic."""
    await add_counsellor(lotse, "anna@example.org")
    statuses = await concurrent_attempts(client, [("anna@example.org", WRONG)] * 30)
    print(f"\n30 concurrent wrong passwords: {len(checks)} checked, {statuses.count(429)} refused")
    assert len(checks) == ratelimit.PAIR.threshold
    assert sorted(statuses) == [401] * 5 + [429] * 25


async def test_password_spraying_across_accounts_is_limited_per_address(
    client: httpx.AsyncClient, lotse: Lotse, checks: list[str]
) -> None:
    for i in range(3):  # some of the addresses tried exist
        await add_counsellor(lotse, f"c{i}@example.org")
    statuses = await concurrent_attempts(client, [(f"c{i}@example.org", WRONG) for i in range(30)])
    print(f"\nspraying 30 accounts: {len(checks)} checked, {statuses.count(429)} refused")
    assert len(checks) == ratelimit.ADDRESS.threshold
    # The address is slowed down, also for an account it has not tried.
    assert (await login(client, "c2@example.org")).status_code == 429


async def test_an_account_is_limited_across_addresses(lotse: Lotse, checks: list[str]) -> None:
    await add_counsellor(lotse, "anna@example.org")
    app = create_app(lotse.settings, lotse)
    statuses = []
    for i in range(12):  # a botnet: every attempt from another address
        transport = httpx.ASGITransport(app=app, client=(f"198.51.100.{i}", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://lotse.test") as http:
            statuses.append((await login(http, "anna@example.org", WRONG)).status_code)
    assert statuses == [401] * ratelimit.ACCOUNT.threshold + [429, 429]
    assert len(checks) == ratelimit.ACCOUNT.threshold


async def test_waits_grow_up_to_a_cap_and_the_right_password_works_after_them(
    client: httpx.AsyncClient, lotse: Lotse, checks: list[str]
) -> None:
    await add_counsellor(lotse, "anna@example.org")
    waits = []
    for _ in range(ratelimit.PAIR.threshold):
        assert (await login(client, "anna@example.org", WRONG)).status_code == 401
    for _ in range(7):
        refused = await login(client, "anna@example.org")  # the right one, too early
        assert refused.status_code == 429
        waits.append(int(refused.headers["retry-after"]))
        await expire_waits(lotse)
        assert (await login(client, "anna@example.org", WRONG)).status_code == 401
    print(f"\nwaits after each further failure (s): {waits}")
    assert waits[0] <= 60
    assert waits == sorted(waits)  # growing …
    assert max(waits) == 15 * 60  # … up to a cap: a counsellor is never locked out for long
    await expire_waits(lotse)
    assert (await login(client, "anna@example.org")).status_code == 303
    # The success starts the account's count again: a typo later is no wait.
    assert (await login(client, "anna@example.org", WRONG)).status_code == 401


def test_the_rule_doubles_and_caps() -> None:
    rule = ratelimit.PAIR
    minutes = [rule.wait(n) for n in range(4, 12)]
    assert minutes[0] is None
    assert [m.total_seconds() / 60 for m in minutes[1:] if m] == [1, 2, 4, 8, 15, 15, 15]


async def test_counters_are_hmacs_and_expire(lotse: Lotse) -> None:
    counted = ratelimit.keys(secret="s" * 32, address="192.0.2.7", email="Anna@Example.org")
    assert len({k.key for k in counted}) == 3
    assert all("anna" not in k.key and "192" not in k.key for k in counted)
    old = utcnow() - dt.timedelta(hours=2)
    async with lotse.sessions() as db, db.begin():
        for _ in range(ratelimit.PAIR.threshold - 1):
            assert await ratelimit.reserve(session=db, counted=counted, now=old) is None
    async with lotse.sessions() as db, db.begin():
        # Two hours without a failure: the old count is forgotten.
        assert await ratelimit.reserve(session=db, counted=counted) is None
        rows = (await db.execute(select(LoginLimit))).scalars().all()
    assert {r.failures for r in rows} == {1}


# -- point 10 ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def served(settings: Settings, lotse: Lotse) -> AsyncIterator[str]:
    """The app behind a real uvicorn, configured as ``lotse run`` does it, on 127.0.0.1."""
    port = free_port()
    server = uvicorn.Server(server_config(create_app(settings, lotse), "127.0.0.1", port))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def forged_logins(base: str, count: int) -> list[int]:
    """Wrong passwords, each claiming another client address in X-Forwarded-For."""
    statuses = []
    async with httpx.AsyncClient(base_url=base) as http:
        for i in range(count):
            page = await http.get("/dashboard/login")
            response = await http.post(
                "/dashboard/login",
                data={"csrf": csrf_of(page.text), "email": "anna@example.org", "password": WRONG},
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
            )
            statuses.append(response.status_code)
    return statuses


async def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(
    settings: Settings, lotse: Lotse, checks: list[str]
) -> None:
    """uvicorn believed X-Forwarded-For from 127.0.0.1: a new address per attempt, no limit."""
    await add_counsellor(lotse, "anna@example.org")
    async with served(settings, lotse) as base:
        statuses = await forged_logins(base, 7)
    assert statuses == [401] * 5 + [429] * 2


async def test_a_trusted_proxy_names_the_client(
    settings: Settings, lotse: Lotse, checks: list[str]
) -> None:
    await add_counsellor(lotse, "anna@example.org")
    behind = Settings(
        LOTSE_ENVIRONMENT="test", LOTSE_DATABASE_URL=settings.database_url,
        LOTSE_TRUSTED_PROXIES="127.0.0.1",
    )  # fmt: skip
    async with served(behind, lotse) as base:
        statuses = await forged_logins(base, 7)
    # Each address is its own client now; the per-account limit still applies (10).
    assert statuses == [401] * 7


def test_a_malformed_proxy_list_is_refused() -> None:
    with pytest.raises(ValidationError, match="LOTSE_TRUSTED_PROXIES"):
        Settings(LOTSE_TRUSTED_PROXIES="127.0.0.1, caddy")
    assert Settings(LOTSE_TRUSTED_PROXIES="127.0.0.1,::1, 10.0.0.0/8").trusted_proxy_list == [
        "127.0.0.1", "::1", "10.0.0.0/8",
    ]  # fmt: skip


# -- point 11 ------------------------------------------------------------------------------------


async def test_a_foreign_origin_or_referer_is_refused_on_every_dashboard_post(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    await add_counsellor(lotse, "anna@example.org")
    page = await client.get("/dashboard/login")
    data = {"csrf": csrf_of(page.text), "email": "anna@example.org", "password": PASSWORD}
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://lotse.test.evil.example"},
        {"Referer": "https://evil.example/dashboard/login"},
    ):
        response = await client.post("/dashboard/login", data=data, headers=headers)
        assert response.status_code == 403, headers
        assert "fremden Seite" in response.text
    ok = await client.post("/dashboard/login", data=data, headers={"Origin": "http://lotse.test"})
    assert ok.status_code == 303
    page = await client.get("/dashboard")
    logout: dict[str, Any] = {"data": {"csrf": csrf_of(page.text)}}
    foreign = await client.post(
        "/dashboard/logout", headers={"Origin": "https://evil.example"}, **logout
    )
    assert foreign.status_code == 403
    same = await client.post(
        "/dashboard/logout", headers={"Referer": "http://lotse.test/dashboard"}, **logout
    )
    assert same.status_code == 303


async def test_the_chat_api_keeps_its_own_rules(client: httpx.AsyncClient) -> None:
    """Not cookie-authenticated: an embedding site may call it."""
    response = await client.post(
        "/api/chat", json={"text": "hallo"}, headers={"Origin": "https://partner.example"}
    )
    assert response.status_code == 200


# -- point 12 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("", "is not set"),
        ("development-only", "shorter than 32"),
        ("Zq3xR8vW2mK9pL4tN7bY1cF6hJ5dG0s", "shorter than 32"),
        (" Zq3xR8vW2mK9pL4tN7bY1cF6hJ5dG0sA3eU", "whitespace"),
        ("Zq3xR8vW2mK9pL4tN7bY1cF6hJ5dG0sA3eU\n", "whitespace"),
        ("changeme-changeme-changeme-changeme", "placeholder"),
        ("a" * 40, "placeholder"),
    ],
)
def test_production_refuses_a_weak_secret_and_says_how_to_make_one(
    secret: str, problem: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(LOTSE_ENVIRONMENT="production", LOTSE_SECRET_KEY=secret)
    message = str(refused.value)
    assert problem in message
    assert "secrets.token_urlsafe" in message
    if secret.strip():
        assert secret.strip() not in message  # the value itself is never repeated


def test_production_accepts_a_random_secret() -> None:
    import secrets

    Settings(LOTSE_ENVIRONMENT="production", LOTSE_SECRET_KEY=secrets.token_urlsafe(48))
