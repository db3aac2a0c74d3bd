"""Issue 10, point 5: arbitrary text, control characters and sizes never make a 5xx.

Hypothesis drives the chat API and the Telegram webhook; schemathesis drives every operation
of the OpenAPI schema. Runs are bounded (examples, no deadline) to keep the suite quick.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.pool import NullPool

from bot.config import Settings
from bot.service import Content, Lotse
from bot.store.db import create_engine
from bot.web.app import create_app

from .test_bad_input import HEADERS, Inbox

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: a failure is reproducible
)
# Any code point, lone surrogates and control characters included.
ANY_CHAR = st.characters(codec=None, exclude_categories=())
TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=40),
    st.integers(3990, 4010).map(lambda n: ("Ay\x00şe \ud800 \u202e" * 400)[:n]),  # the limit
    st.sampled_from(["\x00", "\ud800", "Ay\x00şe", "/start", "/delete", "a\u202eb", "\ufeff"]),
)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(ANY_CHAR, max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def encoded(body: Any) -> bytes:
    """JSON as a client could send it: lone surrogates as \\ud800 escapes, NaN as NaN."""
    return json.dumps(body, ensure_ascii=True).encode()


@given(
    text=TEXT,
    choice=st.none() | st.text(ANY_CHAR, max_size=130),
    language=st.sampled_from([None, "de", "tr", "ru", "fr", ""]),
    session=st.none() | st.sampled_from(["known", "", "a" * 65, "../x", "ok-session"]),
)
@FUZZ
async def test_the_chat_api_never_answers_5xx(
    client: httpx.AsyncClient,
    text: str,
    choice: str | None,
    language: str | None,
    session: str | None,
) -> None:
    body: dict[str, Any] = {"text": text, "choice": choice, "language": language}
    if session is not None:
        body["session"] = session
    response = await client.post(
        "/api/chat", content=encoded(body), headers={"content-type": "application/json"}
    )
    assert response.status_code < 500, response.text
    assert response.status_code in (200, 422)


@given(
    update_id=st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from([0, 2**63 - 1]),
    text=TEXT,
    chat_id=st.integers(min_value=-(2**70), max_value=2**70),
    extra=JSON_VALUE,
)
@FUZZ
async def test_the_webhook_never_answers_5xx(
    settings: Settings, lotse: Lotse, update_id: int, text: str, chat_id: int, extra: Any
) -> None:
    app = create_app(settings, lotse)
    app.state.telegram = Inbox(lotse)
    update = {
        "update_id": update_id,
        "message": {"message_id": 1, "date": 0, "text": text, "extra": extra,
                    "chat": {"id": chat_id, "type": "private", "first_name": text[:20]}},
    }  # fmt: skip
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lotse.test") as http:
        response = await http.post("/telegram/webhook", content=encoded(update), headers=HEADERS)
    assert response.status_code in (200, 400), response.text


def test_every_api_operation_never_answers_5xx(database_url: str, content: Content) -> None:
    """schemathesis over the OpenAPI schema, each operation in turn (its pytest loader does not
    run under pytest 9, so the operations' Hypothesis strategies are driven directly)."""
    config = Settings(
        LOTSE_ENVIRONMENT="test", LOTSE_DATABASE_URL=database_url, LOTSE_REGION="dortmund"
    )
    # Its own engine without a pool: schemathesis runs the app in an event loop of its own.
    core = Lotse(config, content, create_engine(database_url, poolclass=NullPool))
    app = create_app(config, core)

    async def without_lifespan(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            raise RuntimeError("no lifespan: no background jobs in this test")
        await app(scope, receive, send)

    schema = schemathesis.openapi.from_asgi("/openapi.json", without_lifespan)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/chat", "/api/chat/notifications", "/healthz"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def answers_below_500(case: Any) -> None:
            response = case.call()
            assert response.status_code < 500, (case.method, case.path, response.text[:200])

        answers_below_500()
