"""In a real browser: the counsellor writes on the lead page and the open web chat shows it at
once (server-sent events), without a reload; the person's answer goes to the counsellor."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect
from sqlalchemy import select

from bot.engine import Choice, Text
from bot.service import Lotse
from bot.store.models import Lead
from tests.browser.conftest import browser as browser  # chromium (fixture)
from tests.browser.conftest import phone as phone  # a phone-sized page (fixture)
from tests.browser.conftest import server as server  # the app on 127.0.0.1 (fixture)
from tests.dashboard.conftest import staff
from tests.thread.conftest import COUNSELLOR, rows


async def test_the_open_chat_shows_the_counsellors_message(
    server: str, phone: Any, lotse: Lotse
) -> None:
    page = (await phone()).page
    await page.goto(server + "/?lang=de")
    await expect(page.locator("#log li.bot").first).to_be_visible()
    cookies = await page.context.cookies()
    session = next(c["value"] for c in cookies if c["name"] == "lotse_session")
    # The person asks for a counsellor and chooses "here in the chat" (driven in the core).
    await lotse.handle(
        channel="web",
        user_key=session,
        events=[Text("/human"), Choice("agree"), Text("Ayşe"), Choice("chat"), Choice("anytime")],
    )
    async with lotse.sessions() as db:
        lead_id = (await db.execute(select(Lead.id))).scalar_one()
    anna = await staff(lotse, "anna@example.org", name=COUNSELLOR)
    async with httpx.AsyncClient(base_url=server) as http:
        claimed = await http.post(
            f"/dashboard/leads/{lead_id}/claim", data={"csrf": anna.csrf}, headers=anna.headers
        )
        assert claimed.status_code == 303
        sent = await http.post(
            f"/dashboard/leads/{lead_id}/messages",
            data={"csrf": anna.csrf, "message": "Guten Tag, hier schreibt die Beratung."},
            headers=anna.headers,
        )
        assert sent.headers["location"].endswith("msg=thread_sent#thread")
    log = page.locator("#log li.bot")
    await expect(log.last).to_contain_text("Anna (Beratungsteam): Guten Tag, hier schreibt")
    await expect(page.locator("#log")).to_contain_text("Anna aus dem Beratungsteam")
    # The person answers in the chat: it reaches the lead, and the bot stays silent.
    field = page.get_by_label("Ihre Nachricht")
    await field.fill("Danke, ich warte auf Ihren Anruf.")
    async with page.expect_response("**/api/chat") as answered:
        await field.press("Enter")
    assert (await (await answered.value).json())["messages"] == []  # the bot stays silent
    await expect(page.locator("#log li.me").last).to_contain_text("Danke, ich warte")
    await expect(page.locator("#options button").first).to_be_visible()  # the buttons stay
    await expect(log.last).to_contain_text("Guten Tag, hier schreibt")
    replies = await rows(lotse, lead_id=lead_id, author="person", kind="message")
    assert [r.text for r in replies] == ["Danke, ich warte auf Ihren Anruf."]
    # The counsellor sees the answer on the lead page, then ends the conversation.
    async with httpx.AsyncClient(base_url=server) as http:
        lead_page = await http.get(f"/dashboard/leads/{lead_id}", headers=anna.headers)
        assert "Danke, ich warte auf Ihren Anruf." in lead_page.text
        closed = await http.post(
            f"/dashboard/leads/{lead_id}/thread/close",
            data={"csrf": anna.csrf},
            headers=anna.headers,
        )
        assert closed.headers["location"].endswith("msg=thread_closed#thread")
    # The bot answers the person's next message again.
    await field.fill("Wer bezahlt den Kurs?")
    async with page.expect_response("**/api/chat") as again:
        await field.press("Enter")
    assert (await (await again.value).json())["messages"] != []
    await expect(log.last).not_to_contain_text("Guten Tag, hier schreibt")
