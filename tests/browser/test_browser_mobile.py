"""The web chat on a phone (390 x 844): question in view, folded answers, languages, shortcuts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from bot.engine import Choice, Text
from bot.handover.counsellors import add_counsellor
from bot.service import Lotse
from bot.store.models import Slot, utcnow

PHONE = {"width": 390, "height": 844}
THIRD = PHONE["height"] / 3
WHO = {"de": ("Sie: ", "Lotse: "), "tr": ("Siz: ", "Lotse: "), "ru": ("Вы: ", "Lotse: ")}
MENU = {"de": "Externenprüfung", "tr": "Harici sınav", "ru": "Экзамен экстерном"}
SHORTCUTS = {
    "de": ("Meine Daten", "Mein Termin"),
    "tr": ("Verilerim", "Randevum"),
    "ru": ("Мои данные", "Моя запись на консультацию"),
}

# Where the last bot bubble, the log and the answers are, in CSS pixels of the viewport.
GEOMETRY = """() => {
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom};
  };
  const bubbles = document.querySelectorAll('#log li.bot');
  return {
    bubble: box(bubbles[bubbles.length - 1]),
    chat: box(document.getElementById('chat')),
    options: box(document.getElementById('options')),
    viewport: window.innerHeight,
  };
}"""


async def open_phone(phone: Any, server: str, language: str = "de") -> Any:
    watched = await phone(viewport=PHONE)
    await watched.page.goto(f"{server}/?lang={language}")
    await expect(watched.page.locator("#options button").first).to_be_visible()
    return watched


async def assert_question_in_view(page: Page) -> dict[str, Any]:
    """The last bot bubble lies fully inside the log's visible area and the viewport."""
    await expect(page.locator("#send")).to_be_enabled()
    g: dict[str, Any] = await page.evaluate(GEOMETRY)
    bubble, chat = g["bubble"], g["chat"]
    assert bubble["top"] >= chat["top"] - 1, g
    assert bubble["bottom"] <= chat["bottom"] + 1, g
    assert bubble["bottom"] <= g["viewport"], g
    assert chat["bottom"] <= g["options"]["top"] + 1, g  # the answers never cover the log
    return g


async def answers_height(page: Page) -> float:
    box = await page.locator("#options").bounding_box()
    assert box is not None
    return float(box["height"])


async def check_step(page: Page) -> dict[str, Any]:
    """After a reply: the question in view, folded and unfolded, the answers within a third."""
    folded = await assert_question_in_view(page)
    more = page.locator("#options button.more")
    if await more.is_visible():
        await more.click()
        await expect(more).to_have_attribute("aria-expanded", "true")
        await assert_question_in_view(page)
        assert await answers_height(page) <= THIRD
        await more.click()
        await expect(more).to_have_attribute("aria-expanded", "false")
    assert await answers_height(page) <= THIRD
    return folded


async def test_the_current_question_stays_in_view_after_every_reply(
    server: str, phone: Any
) -> None:
    watched = await open_phone(phone, server)
    page = watched.page
    options = page.locator("#options")
    start = await check_step(page)
    await watched.screenshot("web-mobile-start.png")
    await options.get_by_role("button", name=re.compile("Externenprüfung")).click()
    await expect(page.locator("#log li.bot").last).to_contain_text("In welchem Beruf")
    await check_step(page)
    await options.get_by_role("button", name="Koch/Köchin", exact=True).click()
    await expect(page.locator("#log li.bot").last).to_contain_text("Wie viele Jahre")
    await check_step(page)
    await page.get_by_label("Ihre Nachricht").fill("5 Jahre")
    await page.get_by_label("Ihre Nachricht").press("Enter")
    await expect(options.get_by_role("button", name="Vollzeit", exact=True)).to_be_visible()
    await check_step(page)
    await options.get_by_role("button", name="Vollzeit", exact=True).click()
    await expect(page.locator("#log")).to_contain_text("IHK zu Dortmund")
    await check_step(page)
    await watched.screenshot("web-mobile-result.png")
    # The first question was hidden below the answers before (its top at 465 px, the log's
    # bottom at 371 px); now the whole bubble is above them.
    assert start["bubble"]["bottom"] <= start["chat"]["bottom"]


async def test_the_main_menu_folds_and_every_answer_can_be_reached(server: str, phone: Any) -> None:
    watched = await open_phone(phone, server)
    page = watched.page
    buttons = page.locator("#options button.option")
    more = page.locator("#options button.more")
    total = await buttons.count()
    assert total >= 9  # the longest menu
    await expect(more).to_be_visible()
    await expect(more).to_have_attribute("aria-expanded", "false")
    hidden = total - await page.locator("#options button.option:visible").count()
    assert hidden > 0
    await expect(more).to_have_text(f"Mehr Antworten ({hidden})")
    assert await answers_height(page) <= 0.3 * PHONE["height"] + 1
    # Keyboard: the toggle unfolds and the focus lands on the first answer that was hidden.
    await more.focus()
    await page.keyboard.press("Enter")
    await expect(more).to_have_attribute("aria-expanded", "true")
    await expect(more).to_have_text("Weniger Antworten")
    await expect(buttons.nth(total - hidden)).to_be_focused()
    assert await answers_height(page) <= THIRD
    await assert_question_in_view(page)
    await watched.screenshot("web-mobile-menu-unfolded.png")
    # Every answer can be scrolled to inside the answers box and tabbed to.
    box = await page.locator("#options").bounding_box()
    assert box is not None
    for index in range(total):
        button = buttons.nth(index)
        await button.scroll_into_view_if_needed()
        await expect(button).to_be_visible()
        inner = await button.bounding_box()
        assert inner is not None
        assert inner["y"] >= box["y"] - 1
        assert inner["y"] + inner["height"] <= box["y"] + box["height"] + 1
    await buttons.first.focus()
    for index in range(1, total):
        await page.keyboard.press("Tab")
        await expect(buttons.nth(index)).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(more).to_be_focused()
    # Folding keeps the focus on the toggle.
    await page.keyboard.press("Enter")
    await expect(more).to_have_attribute("aria-expanded", "false")
    await expect(more).to_be_focused()
    await expect(buttons.nth(total - 1)).to_be_hidden()
    # The last answer works: the menu's "change language" asks for the language.
    await more.click()
    await buttons.nth(total - 1).click()
    await expect(page.locator("#log li.bot").last).to_contain_text("Bitte wählen Sie Ihre Sprache")
    await assert_question_in_view(page)


@pytest.mark.parametrize("language", ["tr", "ru"])
async def test_page_language_bubbles_and_labels_follow_a_switch(
    server: str, phone: Any, language: str
) -> None:
    watched = await open_phone(phone, server, "de")
    page = watched.page
    greeting = page.locator("#log li.bot").first
    await expect(greeting).to_have_attribute("lang", "de")
    await expect(greeting.locator(".who")).to_have_text("Lotse: ")
    await page.get_by_label("Sprache").select_option(language)
    await expect(page.locator("html")).to_have_attribute("lang", language)
    await expect(page.locator("#options button").first).to_contain_text(MENU[language])
    # The question shown again is in the new language; the German greeting keeps lang="de".
    await expect(page.locator("#log li.bot").last).to_have_attribute("lang", language)
    await expect(greeting).to_have_attribute("lang", "de")
    you, bot = WHO[language]
    await page.locator("#options button").first.click()
    await expect(page.locator("#log li.me").last).to_have_attribute("lang", language)
    await expect(page.locator("#log li.bot").last).to_have_attribute("lang", language)
    await expect(page.locator("#options")).to_have_attribute("lang", language)
    # Every screen-reader label speaks the page's language, with that lang.
    for label in await page.locator("#log li .who").all():
        await expect(label).to_have_attribute("lang", language)
    await expect(page.locator("#log li.me .who").last).to_have_text(you)
    await expect(page.locator("#log li.bot .who").first).to_have_text(bot)
    await assert_question_in_view(page)
    for name in SHORTCUTS[language]:
        await expect(page.locator(".shortcuts").get_by_role("button", name=name)).to_be_visible()
    await watched.screenshot(f"web-mobile-{language}.png")
    # A reload keeps each bubble's language.
    await page.reload()
    await expect(page.locator("#options button").first).to_be_visible()
    await expect(page.locator("#log li.bot").first).to_have_attribute("lang", "de")
    await expect(page.locator("#log li.me").last).to_have_attribute("lang", language)
    await expect(page.locator("html")).to_have_attribute("lang", language)


async def in_viewport(locator: Locator) -> None:
    await expect(locator).to_be_visible()
    box = await locator.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= PHONE["height"]
    assert box["height"] >= 24  # WCAG 2.5.8 target size


async def book(lotse: Lotse, session: str) -> None:
    """A counsellor with a free slot, and the person of ``session`` books it."""
    starts = (utcnow() + dt.timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    async with lotse.sessions() as db, db.begin():
        counsellor = await add_counsellor(
            session=db,
            email="beraterin@example.org",
            name="Beraterin",
            languages=["de"],
            region="dortmund",
            password="correct horse battery staple",
        )
        slot = Slot(
            counsellor_id=counsellor.id, starts_at=starts, ends_at=starts + dt.timedelta(minutes=45)
        )
        db.add(slot)
        await db.flush()
        slot_id = slot.id
    events = [Choice("human"), Choice("agree"), Text("Zeynep"), Choice("phone")]
    events += [Text("0151 23456789"), Choice("mornings"), Choice(f"slot:{slot_id}")]
    outcome = await lotse.handle(channel="web", user_key=session, events=events)
    assert outcome.messages


async def test_my_data_and_my_appointment_are_always_one_tap_away(
    server: str, phone: Any, lotse: Lotse
) -> None:
    watched = await open_phone(phone, server)
    page = watched.page
    shortcuts = page.locator(".shortcuts")
    my_data = shortcuts.get_by_role("button", name="Meine Daten")
    appointment = shortcuts.get_by_role("button", name="Mein Termin")
    await in_viewport(my_data)
    await in_viewport(appointment)
    await my_data.click()
    await expect(page.locator("#log li.me").last).to_have_text(re.compile("Meine Daten"))
    await expect(page.locator("#log li.bot").last).to_contain_text("Das hat Lotse über Sie")
    await expect(page.locator("#options")).to_contain_text("löschen")
    await assert_question_in_view(page)
    await watched.screenshot("web-mobile-my-data.png")
    await appointment.click()
    await expect(page.locator("#log li.me").last).to_have_text(re.compile("Mein Termin"))
    await expect(page.locator("#log")).to_contain_text("Sie haben zurzeit keinen Termin.")
    await expect(page.locator("#log li.bot").last).to_contain_text("Wobei kann ich")
    await assert_question_in_view(page)
    # With a booked appointment the same link opens it: keep, rebook or cancel.
    cookie = next(c for c in await page.context.cookies() if c["name"] == "lotse_session")
    await book(lotse, cookie["value"])
    await page.reload()
    await expect(page.locator("#options button").first).to_be_visible()
    await appointment.click()
    await expect(page.locator("#log li.bot").last).to_contain_text("Ihr Termin:")
    await expect(page.locator("#options")).to_contain_text("Termin behalten")
    await expect(page.locator("#options button.option").first).to_be_focused()
    await assert_question_in_view(page)
    await watched.screenshot("web-mobile-appointment.png")
