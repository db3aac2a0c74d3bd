"""Realistic updates of every kind: a polite answer or silence, never an error."""

from __future__ import annotations

import time
from typing import Any

import pytest

NOW = int(time.time())
BOT = {"id": 123456, "is_bot": True, "first_name": "Lotse", "username": "LotseTestBot"}
USER = {"id": 8001, "is_bot": False, "first_name": "Oleg", "language_code": "ru"}
PRIVATE = {"id": 8001, "type": "private", "first_name": "Oleg"}
GROUP = {"id": -100200300, "type": "supergroup", "title": "Deutschkurs B1"}
CHANNEL = {"id": -100999, "type": "channel", "title": "Neuigkeiten"}


def message(**body: Any) -> dict[str, Any]:
    return {"message_id": 77, "date": NOW, "chat": PRIVATE, "from": USER, **body}


STICKER = message(
    sticker={
        "file_id": "CAACAgIAAxkBAAIB", "file_unique_id": "AgADxw", "type": "regular",
        "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": "👍",
    }
)  # fmt: skip
VOICE = message(
    voice={"file_id": "AwACAgIAAxkBAAIC", "file_unique_id": "AgADyA", "duration": 4,
           "mime_type": "audio/ogg", "file_size": 9000}
)  # fmt: skip
PHOTO = message(
    photo=[
        {"file_id": "AgACAgIAAxkBAAID-s", "file_unique_id": "AQADs", "width": 90, "height": 67},
        {"file_id": "AgACAgIAAxkBAAID-m", "file_unique_id": "AQADm", "width": 800, "height": 600},
    ],
    caption="Mein Zeugnis",
)
DOCUMENT = message(
    document={"file_id": "BQACAgIAAxkBAAIE", "file_unique_id": "AgADyQ",
              "file_name": "Diplom.pdf", "mime_type": "application/pdf", "file_size": 120000}
)  # fmt: skip
LOCATION = message(location={"latitude": 51.5136, "longitude": 7.4653})
CONTACT = message(contact={"phone_number": "+4915112345678", "first_name": "Oleg", "user_id": 8001})
VIDEO_NOTE = message(
    video_note={"file_id": "DQACAgIAAxkBAAIF", "file_unique_id": "AgADyg", "length": 240,
                "duration": 3}
)  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "body", "notice"),
    [
        ("sticker", STICKER, "tg.media_other"),
        ("location", LOCATION, "tg.media_other"),
        ("contact", CONTACT, "tg.media_other"),
        ("voice", VOICE, "tg.media_voice"),
        ("video_note", VIDEO_NOTE, "tg.media_voice"),
        ("photo", PHOTO, "tg.media_file"),
        ("document", DOCUMENT, "tg.media_file"),
    ],
)
async def test_media_get_a_polite_answer_and_the_current_question(
    tg: Any, kind: str, body: dict[str, Any], notice: str
) -> None:
    await tg.send(tg.message(8001, "/start", language="ru"))
    await tg.send(tg.update(message=body))
    reply = tg.last(8001)
    expected = tg.channel.lotse.content.catalogs.translator("ru").text(notice)
    assert reply.params["text"].startswith(expected.replace("'", "'"))
    assert reply.buttons  # the menu is shown again


async def test_media_as_the_very_first_message_starts_a_conversation(tg: Any) -> None:
    await tg.send(tg.update(message=STICKER))
    assert "Здравствуйте" in tg.last(8001).params["text"]


IGNORED = {
    "edited_message": {"edited_message": message(text="Korrektur", edit_date=NOW + 5)},
    "channel_post": {
        "channel_post": {"message_id": 5, "date": NOW, "chat": CHANNEL, "text": "Neu!"}
    },
    "edited_channel_post": {
        "edited_channel_post": {
            "message_id": 5,
            "date": NOW,
            "chat": CHANNEL,
            "text": "Neu!!",
            "edit_date": NOW + 1,
        }
    },
    "blocked": {
        "my_chat_member": {
            "chat": PRIVATE,
            "from": USER,
            "date": NOW,
            "old_chat_member": {"user": BOT, "status": "member"},
            "new_chat_member": {"user": BOT, "status": "kicked", "until_date": 0},
        }
    },
    "chat_member": {
        "chat_member": {
            "chat": GROUP,
            "from": USER,
            "date": NOW,
            "old_chat_member": {"user": USER, "status": "left"},
            "new_chat_member": {"user": USER, "status": "member"},
        }
    },
    "group_chatter": {"message": message(chat=GROUP, text="Wer kommt morgen zum Kurs?")},
    "poll_answer": {
        "poll_answer": {
            "poll_id": "1",
            "user": USER,
            "option_ids": [0],
            "option_persistent_ids": ["a"],
        }
    },
    "unknown_kind": {"something_new": {"id": 1}},
}


@pytest.mark.parametrize("kind", list(IGNORED))
async def test_other_updates_are_ignored_without_error(
    tg: Any, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = await tg.post(tg.update(**IGNORED[kind]))
    assert response.status_code == 200
    await tg.channel.idle()
    assert tg.api.of("sendMessage") == []
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_added_to_a_group_it_points_to_a_private_chat(tg: Any) -> None:
    await tg.send(
        tg.update(
            my_chat_member={
                "chat": GROUP, "from": USER, "date": NOW,
                "old_chat_member": {"user": BOT, "status": "left"},
                "new_chat_member": {"user": BOT, "status": "member"},
            }
        )
    )  # fmt: skip
    reply = tg.last(GROUP["id"])
    assert reply.params["text"].startswith("Я общаюсь только в личных чатах")
    assert reply.buttons[0]["url"] == "https://t.me/LotseTestBot?start=group"


async def test_commands_and_mentions_in_a_group_get_the_pointer(tg: Any) -> None:
    await tg.send(tg.update(message=message(chat=GROUP, text="/start@LotseTestBot")))
    await tg.send(tg.update(message=message(chat=GROUP, text="@LotseTestBot hallo?")))
    assert len(tg.api.of("sendMessage", GROUP["id"])) == 2
    # No conversation is started for a group.
    state = await tg.channel.lotse.current_state(channel="telegram", user_key=str(GROUP["id"]))
    assert state is None


async def test_commands_addressed_to_the_bot_by_name_work_in_private(tg: Any) -> None:
    await tg.send(tg.message(8002, "/start", language="tr"))
    await tg.send(tg.message(8002, "/language@LotseTestBot"))
    assert {b["callback_data"][9:] for b in tg.last(8002).buttons} >= {"de", "tr", "ru"}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Wie oft darf ich die Prüfung wiederholen?", "de"),
        ("sınavda kalırsam tekrar girebilir miyim", "tr"),
        ("сколько раз можно пересдать экзамен", "ru"),
    ],
)
async def test_a_first_question_is_answered_with_its_sources(
    tg: Any, text: str, language: str
) -> None:
    """Telegram: the answer first, its sources as HTML links, then the next step as buttons."""
    await tg.send(tg.message(8001, text, language=language))
    entry = tg.channel.lotse.content.knowledge.answers["exam_retake"]
    sent = "\n".join(tg.api.texts(8001))
    assert entry.answer.get(language).strip()[:30] in sent
    for source in entry.sources:
        assert f'<a href="{source.url}">' in sent
    assert tg.last(8001).buttons
