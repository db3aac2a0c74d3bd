"""Telegram updates as engine events: one typed handler per kind of update.

Handlers do not talk to Telegram themselves: they put the Bot API calls of their answer into the
``Turn`` of the update, and the channel stores them in the outbox before any is made.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.telegram import _codec, _render
from bot.channels.telegram._render import Outgoing
from bot.content.models import LANGUAGES
from bot.engine import Choice, Command, CommandName, ConversationState, Event, Resume, Start, Text
from bot.i18n import Translator, msg
from bot.kompass.document import KOMPASS_FILENAME, KOMPASS_URL
from bot.kompass.store import latest_document_id
from bot.service import Lotse, Outcome, Plan

log = logging.getLogger(__name__)

CHANNEL = "telegram"
# No option has an empty id: the engine answers it like an outdated button.
_REFUSED_OPTION = ""
_COMMANDS = {
    "menu": CommandName.MENU,
    "language": CommandName.LANGUAGE,
    "human": CommandName.HUMAN,
    "delete": CommandName.DELETE,
    "help": CommandName.HELP,
}
_BOT_SUFFIX = re.compile(r"^(/\w+)@\w+")
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

NOTICE_VOICE = msg("tg.media_voice")
NOTICE_FILE = msg("tg.media_file")
NOTICE_OTHER = msg("tg.media_other")
NOTICE_MYDATA = msg("tg.mydata")
NOTICE_PRIVATE_ONLY = msg("tg.private_only")
LABEL_OPEN_PRIVATE = msg("tg.open_private_chat")
NOTICE_ERROR = msg("tg.error")
KOMPASS_CAPTION = msg("kompass.download")

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
_VOICE = filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE
_FILES = filters.PHOTO | filters.Document.ALL | filters.VIDEO
_OTHER = (
    filters.Sticker.ALL
    | filters.LOCATION
    | filters.VENUE
    | filters.CONTACT
    | filters.ANIMATION
    | filters.POLL
    | filters.Dice.ALL
    | filters.GAME
)

Context = ContextTypes.DEFAULT_TYPE


@dataclass
class Turn:
    """What one update produced: Bot API calls to make, or the error that stopped it."""

    update_id: int
    calls: list[Outgoing] = field(default_factory=list)
    error: BaseException | None = None
    # The channel's transaction for this update: the answer joins it (store, answer, outbox).
    session: AsyncSession | None = None
    erased: bool = False  # the person's data was erased: the channel scrubs after the commit


def language_hint(update: Update) -> str | None:
    """The Telegram app's language, if Lotse speaks it."""
    user = update.effective_user
    code = (user.language_code or "").split("-")[0].lower() if user else ""
    return code if code in LANGUAGES else None


class Handlers:
    """The typed PTB handlers of the bot, bound to one Lotse core."""

    def __init__(self, lotse: Lotse, *, secret: str) -> None:
        self.lotse = lotse
        self.secret = secret
        self.turns: dict[int, Turn] = {}

    def register(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Add the handlers; the first matching one answers an update."""
        application.add_handlers(
            [
                ChatMemberHandler(self.on_membership, ChatMemberHandler.MY_CHAT_MEMBER),
                MessageHandler(
                    filters.ChatType.GROUPS & filters.UpdateType.MESSAGE, self.on_group_message
                ),
                CallbackQueryHandler(self.on_button),
                CommandHandler("start", self.on_start, filters=PRIVATE),
                CommandHandler("mydata", self.on_mydata, filters=PRIVATE),
                CommandHandler(list(_COMMANDS), self.on_command, filters=PRIVATE),
                MessageHandler(PRIVATE & filters.TEXT, self.on_text),
                MessageHandler(PRIVATE & _VOICE, self.on_voice),
                MessageHandler(PRIVATE & _FILES, self.on_file),
                MessageHandler(PRIVATE & _OTHER, self.on_other_media),
                TypeHandler(Update, self.on_anything_else),
            ]
        )
        application.add_error_handler(self.on_error)

    # -- private chats ----------------------------------------------------------------------

    async def on_start(self, update: Update, context: Context) -> None:
        """Start a conversation, with the deep-link payload (``tr-dortmund-flyer``) if any."""
        args = context.args or []
        payload = args[0] if args and _PAYLOAD.match(args[0]) else None
        hint = language_hint(update)

        def plan(state: ConversationState | None) -> list[Event]:
            if payload is not None or state is None:
                return [Start(payload=payload, language=hint)]
            return [Command(CommandName.RESTART)]

        await self._converse(update, plan)

    async def on_command(self, update: Update, context: Context) -> None:
        """Menu, language, counsellor, delete, help: the engine's commands."""
        word = _command_word(update.effective_message)
        await self._converse(update, [Command(_COMMANDS[word])], new_silently=True)

    async def on_mydata(self, update: Update, context: Context) -> None:
        """Say what is stored and how to delete it, then show the current question again."""
        await self._converse(update, [Resume()], notices=[NOTICE_MYDATA])

    async def on_text(self, update: Update, context: Context) -> None:
        """Free text (and commands the engine knows, such as /back and /restart)."""
        message = update.effective_message
        text = _BOT_SUFFIX.sub(r"\1", message.text or "") if message else ""
        hint = language_hint(update)

        def plan(state: ConversationState | None) -> list[Event]:
            if state is None:
                return self.lotse.opening(text, language=hint)[1]
            return [Text(text)]

        await self._converse(update, plan)

    async def on_voice(self, update: Update, context: Context) -> None:
        """Voice and audio: kindly ask for text."""
        await self._converse(update, [Resume()], notices=[NOTICE_VOICE])

    async def on_file(self, update: Update, context: Context) -> None:
        """Photos, documents, videos: not read here; they may hold personal data."""
        await self._converse(update, [Resume()], notices=[NOTICE_FILE])

    async def on_other_media(self, update: Update, context: Context) -> None:
        """Stickers, locations, contacts and the like: ask for text."""
        await self._converse(update, [Resume()], notices=[NOTICE_OTHER])

    async def on_button(self, update: Update, context: Context) -> None:
        """An inline button: checked against the chat and the current question."""
        query = update.callback_query
        chat = update.effective_chat
        if query is None:
            return
        turn = self._turn(update)
        turn.calls.append(Outgoing("answerCallbackQuery", {"callback_query_id": query.id}))
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        pressed = _codec.decode(query.data or "")
        message = query.message if isinstance(query.message, Message) else None
        hint = language_hint(update)

        def plan(state: ConversationState | None) -> list[Event]:
            option = None
            if state is not None and pressed is not None:
                candidates = list(state.offered) + [
                    o.id for o in self.lotse.engine.option_labels(state) if o.id.startswith("nav:")
                ]
                option = _codec.resolve(
                    pressed,
                    secret=self.secret,
                    chat_id=chat.id,
                    node=state.node,
                    candidates=candidates,
                )
            if option is None:
                log.info("update %s: refused an outdated or forged button", update.update_id)
            if message is not None:
                turn.calls.append(_close_keyboard(message, query.data, chosen=option is not None))
            if state is None:
                return [Start(language=hint)]
            return [Choice(option if option is not None else _REFUSED_OPTION)]

        await self._converse(update, plan)

    # -- groups, channels, everything else ----------------------------------------------------

    async def on_membership(self, update: Update, context: Context) -> None:
        """Added to a group: explain once that Lotse talks in private chats only."""
        change = update.my_chat_member
        if change is None or change.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return  # blocked or unblocked in a private chat, or a channel: nothing to say
        if change.new_chat_member.status in (
            ChatMemberStatus.MEMBER,
            ChatMemberStatus.ADMINISTRATOR,
        ):
            self._private_only(update, context)

    async def on_group_message(self, update: Update, context: Context) -> None:
        """In a group, answer commands, mentions and replies to the bot with a pointer."""
        message = update.effective_message
        if message is None:
            return
        bot_name = f"@{context.bot.username}".lower() if context.bot.username else None
        text = (message.text or message.caption or "").lower()
        replied = message.reply_to_message
        addressed = (
            text.startswith("/")
            or (bot_name is not None and bot_name in text)
            or (
                replied is not None
                and replied.from_user is not None
                and replied.from_user.id == context.bot.id
            )
        )
        if addressed:
            self._private_only(update, context)

    async def on_anything_else(self, update: Update, context: Context) -> None:
        """Edited messages, channel posts, member updates and the rest: ignored on purpose."""
        log.debug("update %s ignored", update.update_id)

    async def on_error(self, update: object, context: Context) -> None:
        """Remember the error; the channel apologises instead of answering."""
        if isinstance(update, Update) and update.update_id in self.turns:
            self.turns[update.update_id].error = context.error

    # -- helpers ----------------------------------------------------------------------------

    def _turn(self, update: Update) -> Turn:
        return self.turns.setdefault(update.update_id, Turn(update.update_id))

    async def _converse(
        self,
        update: Update,
        events: list[Event] | Plan,
        *,
        notices: Sequence[str] = (),
        new_silently: bool = False,
    ) -> None:
        """Run events through the core and queue the answer, in the update's transaction."""
        chat = update.effective_chat
        if chat is None:
            return
        user_key = str(chat.id)
        hint = language_hint(update)

        def plan(state: ConversationState | None) -> list[Event]:
            chosen = events(state) if callable(events) else events
            if state is None and not any(isinstance(e, Start) for e in chosen):
                # A first contact that is not /start (the chat was cleared, or a command).
                start = Start(language=hint, silent=new_silently)
                return [start] if not new_silently else [start, *chosen]
            return chosen

        turn = self._turn(update)

        async def finish(session: AsyncSession, outcome: Outcome, after: ConversationState) -> None:
            # Rendered inside the engine's transaction; the channel writes the calls to the
            # outbox in that same transaction: a crash can neither lose the answer nor apply
            # the update twice.
            translator = self.lotse.content.catalogs.translator(outcome.language)
            shown = [translator.text(n) for n in notices]
            if not outcome.messages and not shown:
                return  # a reply to a counsellor (bot.thread): the bot stays silent
            at = _render.offered_document(outcome.messages, KOMPASS_URL)
            if at is not None:
                # Where the web chat links the Kom-Pass, Telegram gets the PDF as a file.
                document = await self._kompass_document(session, chat.id, translator)
                turn.calls += _render.send_with_document(
                    chat.id, outcome.messages, at, document,
                    notices=shown, secret=self.secret, node=after.node,
                )  # fmt: skip
                return
            turn.calls += _render.send_messages(
                chat.id, outcome.messages, notices=shown, secret=self.secret, node=after.node
            )

        outcome = await self.lotse.handle(
            channel=CHANNEL, user_key=user_key, events=plan, finish=finish, session=turn.session
        )
        turn.erased |= outcome.erased

    async def _kompass_document(
        self, session: AsyncSession, chat_id: int, translator: Translator
    ) -> Outgoing | None:
        """The chat's newest Kom-Pass as a ``sendDocument`` call: the outbox keeps the
        document's id, the sender loads the PDF when it sends."""
        document_id = await latest_document_id(
            session=session, channel=CHANNEL, user_key=str(chat_id)
        )
        if document_id is None:
            return None
        params = {
            "chat_id": chat_id,
            "kompass_document_id": document_id,
            "filename": KOMPASS_FILENAME,
            "caption": translator.text(KOMPASS_CAPTION),
        }
        return Outgoing("sendDocument", params)

    def _private_only(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        translator = self.lotse.content.catalogs.translator(language_hint(update))
        params: dict[str, Any] = {
            "chat_id": chat.id,
            "text": _render.escape(translator.text(NOTICE_PRIVATE_ONLY)),
            "parse_mode": "HTML",
        }
        if context.bot.username:
            url = f"https://t.me/{context.bot.username}?start=group"
            label = translator.text(LABEL_OPEN_PRIVATE)
            params["reply_markup"] = {"inline_keyboard": [[{"text": label, "url": url}]]}
        self._turn(update).calls.append(Outgoing("sendMessage", params))

    def apology(self, update: Update) -> list[Outgoing]:
        """The answer when handling failed: a short apology, only in private chats."""
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return []
        translator = self.lotse.content.catalogs.translator(language_hint(update))
        text = _render.escape(translator.text(NOTICE_ERROR))
        return [Outgoing("sendMessage", {"chat_id": chat.id, "text": text, "parse_mode": "HTML"})]


def _command_word(message: Message | None) -> str:
    text = (message.text or "") if message else ""
    return text.split()[0].lstrip("/").split("@")[0].lower() if text else ""


def _close_keyboard(message: Message, data: str | None, *, chosen: bool) -> Outgoing:
    """Remove the keyboard of a pressed message; after a valid press, note the answer under it."""
    target = {"chat_id": message.chat.id, "message_id": message.message_id}
    label = None
    if chosen and message.reply_markup is not None:
        for row in message.reply_markup.inline_keyboard:
            for button in row:
                if button.callback_data == data:
                    label = button.text
    if label and message.text:
        text = f"{_render.escape(message.text)}\n\n» {_render.escape(label)}"
        if _render.units(f"{message.text}\n\n» {label}") <= _render.MAX_TEXT:
            return Outgoing("editMessageText", {**target, "text": text, "parse_mode": "HTML"})
    return Outgoing("editMessageReplyMarkup", target)
