"""The web chat page in a real browser: conversations, keyboard only, reload, embedding."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

FLOW = {
    "de": ("Externenprüfung", "Koch/Köchin", "5 Jahre", "Vollzeit", "Wie viele Jahre"),
    "tr": ("Harici sınav", "Aşçı", "5 yıl", "Tam zamanlı", "kaç yıldır"),
    "ru": ("Экзамен экстерном", "Повар", "5 лет", "Полный рабочий день", "Сколько лет"),
}


async def converse(page: Any, language: str) -> None:
    """Menu -> external exam -> occupation -> years (typed) -> full time -> the result."""
    topic, occupation, years, workload, ask_years = FLOW[language]
    options = page.locator("#options")
    await options.get_by_role("button", name=re.compile(topic)).click()
    await options.get_by_role("button", name=occupation, exact=True).click()
    await expect(page.locator("#log li.bot").last).to_contain_text(ask_years)
    label = {"de": "Ihre Nachricht", "tr": "Mesajınız", "ru": "Ваше сообщение"}[language]
    await page.get_by_label(label).fill(years)
    await page.get_by_label(label).press("Enter")
    await options.get_by_role("button", name=workload, exact=True).click()
    await expect(page.locator("#log")).to_contain_text("IHK zu Dortmund")


async def test_a_full_conversation_in_turkish(server: str, phone: Any) -> None:
    watched = await phone(locale="tr-TR")
    page = watched.page
    await page.goto(server + "/")
    await expect(page.locator("html")).to_have_attribute("lang", "tr")
    await expect(page.locator("#log li.bot").first).to_contain_text("Merhaba")
    await expect(page.get_by_label("Dil")).to_have_value("tr")
    await converse(page, "tr")
    await expect(page.locator("#log li.me")).to_have_count(4)
    await expect(page.locator("#log")).to_contain_text("Aşçı")
    path = await watched.screenshot("web-chat-tr.png")
    assert path.stat().st_size > 10_000


@pytest.mark.parametrize("language", ["de", "ru"])
async def test_a_conversation_in_each_language(server: str, phone: Any, language: str) -> None:
    watched = await phone()
    page = watched.page
    await page.goto(f"{server}/?lang={language}")
    await expect(page.locator("html")).to_have_attribute("lang", language)
    await converse(page, language)
    await watched.screenshot(f"web-chat-{language}.png")


async def test_keyboard_only(server: str, phone: Any) -> None:
    page = (await phone()).page
    await page.goto(server + "/?lang=de")
    first = page.locator("#options button").first
    await expect(first).to_contain_text("Externenprüfung")
    for _ in range(12):  # Tab through the header to the first answer
        await page.keyboard.press("Tab")
        if await first.evaluate("b => b === document.activeElement"):
            break
    await expect(first).to_be_focused()
    await page.keyboard.press("Enter")
    # Focus moves to the first new answer: the occupations.
    await expect(page.locator("#options button").first).to_have_text("Koch/Köchin")
    await expect(page.locator("#options button").first).to_be_focused()
    await page.keyboard.press("Enter")
    # A question without answers to tap: the text field gets the focus.
    await expect(page.get_by_label("Ihre Nachricht")).to_be_focused()
    await page.keyboard.type("6 Jahre")
    await page.keyboard.press("Enter")
    await expect(page.locator("#options button").first).to_have_text("Vollzeit")
    await page.get_by_label("Ihre Nachricht").focus()
    for _ in range(8):  # back from the text field, through the answers, to the first one
        await page.keyboard.press("Shift+Tab")
        if await page.evaluate("document.activeElement.textContent") == "Vollzeit":
            break
    await expect(page.locator("#options button").first).to_be_focused()
    await page.keyboard.press("Space")
    await expect(page.locator("#log")).to_contain_text("IHK zu Dortmund")


async def test_reload_resumes_the_conversation(server: str, phone: Any) -> None:
    page = (await phone()).page
    await page.goto(server + "/?lang=ru")
    await page.locator("#options").get_by_role("button", name=re.compile("Экзамен")).click()
    await expect(page.locator("#options button").first).to_have_text("Повар")
    cookies = await page.context.cookies()
    session = next(c for c in cookies if c["name"] == "lotse_session")
    assert session["sameSite"] == "Lax"
    await page.reload()
    await expect(page.locator("#options button").first).to_have_text("Повар")
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    # The transcript is back, and the current question is in it once.
    await expect(page.locator("#log li.bot", has_text="Кем вы работаете")).to_have_count(1)
    await expect(page.locator("#log li.me")).to_have_count(1)


async def test_language_switch_and_a_new_conversation(server: str, phone: Any) -> None:
    page = (await phone()).page
    await page.goto(server + "/?lang=de")
    await expect(page.locator("#options button").first).to_contain_text("Externenprüfung")
    await page.get_by_label("Sprache").select_option("tr")
    await expect(page.locator("html")).to_have_attribute("lang", "tr")
    await expect(page.locator("#options button").first).to_contain_text("Harici sınav")
    await expect(page.get_by_role("button", name="Yeni sohbet")).to_be_visible()
    await page.get_by_role("button", name="Yeni sohbet").click()
    await expect(page.locator("#log li")).to_have_count(2)


async def test_free_text_question(server: str, phone: Any) -> None:
    page = (await phone()).page
    await page.goto(server + "/?lang=de")
    await expect(page.locator("#options button").first).to_be_visible()
    await page.get_by_label("Ihre Nachricht").fill("Wer bezahlt meinen Kurs?")
    await page.get_by_role("button", name="Senden").click()
    await expect(page.locator("#log li.me")).to_have_text(re.compile("Wer bezahlt"))
    await expect(page.locator("#log li.bot")).not_to_have_count(2)


async def test_the_embed_snippet_opens_the_chat_in_a_frame(server: str, phone: Any) -> None:
    page = (await phone()).page
    await page.goto(server + "/healthz")  # any page of the origin; the snippet is added below
    await page.set_content(
        f'<html lang="tr"><body><h1>Beratungsstelle</h1>'
        f'<script src="{server}/embed.js" data-lang="tr"></script></body></html>'
    )
    await page.get_by_role("button", name=re.compile("Lotse ile sohbeti aç")).click()
    button = page.locator("#lotse-chat-button")
    await expect(button).to_have_attribute("aria-expanded", "true")
    await expect(button).to_have_text(re.compile("Sohbeti kapat"))
    frame = page.frame_locator("iframe[title='Lotse ile sohbet']")
    await expect(frame.locator("#log li.bot").first).to_contain_text("Merhaba")
    await page.keyboard.press("Escape")
    await expect(page.locator("#lotse-chat-panel")).to_be_hidden()
    await expect(button).to_be_focused()


async def test_an_answer_shows_its_sources_as_safe_links(server: str, phone: Any) -> None:
    watched = await phone()
    page = watched.page
    await page.goto(server + "/?lang=de")
    await expect(page.locator("#options button").first).to_be_visible()  # the page is ready
    await page.get_by_label("Ihre Nachricht").fill("Wie oft darf ich die Prüfung wiederholen?")
    await page.get_by_role("button", name="Senden").click()
    await expect(page.locator("#log li.me")).to_have_text(re.compile("wiederholen"))
    links = page.locator("#log li.bot ul.links a")
    await expect(links.first).to_be_visible(timeout=15_000)
    assert await links.count() >= 1
    for index in range(await links.count()):
        link = links.nth(index)
        assert (await link.get_attribute("href") or "").startswith("https://")
        assert await link.get_attribute("rel") == "noopener noreferrer"
    await page.reload()  # the transcript keeps the links
    await expect(page.locator("#log li.bot ul.links a").first).to_be_visible()
    await watched.screenshot("web-chat-answer-links.png")
