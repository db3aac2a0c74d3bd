"""The channel-agnostic dialog engine: typed decision trees, validation, runtime and rendering."""

from bot.engine.events import (
    Choice,
    Command,
    CommandName,
    ConversationState,
    DataDeletionRequested,
    Event,
    HandoverRequested,
    Reply,
    Resume,
    Start,
    Text,
)
from bot.engine.loader import load_dialogs
from bot.engine.model import DialogSet
from bot.engine.render import RenderedLink, RenderedMessage, RenderedOption, Renderer
from bot.engine.runtime import Engine

__all__ = [
    "Choice",
    "Command",
    "CommandName",
    "ConversationState",
    "DataDeletionRequested",
    "DialogSet",
    "Engine",
    "Event",
    "HandoverRequested",
    "RenderedLink",
    "RenderedMessage",
    "RenderedOption",
    "Renderer",
    "Reply",
    "Resume",
    "Start",
    "Text",
    "load_dialogs",
]
