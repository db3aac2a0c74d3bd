"""Typed errors for broken dialogs, each naming dialog, node and ``file:line``."""

from __future__ import annotations

from bot.engine.model import Location
from bot.yamlio import ContentError


class DialogError(ContentError):
    """A problem in a dialog definition."""

    def __init__(self, location: Location, message: str) -> None:
        super().__init__(location.path, location.line, message)


class DialogSchemaError(DialogError):
    """A node or dialog does not have the shape the engine expects."""


class DuplicateIdError(DialogError):
    def __init__(self, location: Location, what: str, ident: str) -> None:
        super().__init__(location, f"duplicate {what} id '{ident}'")


class UnresolvedNodeError(DialogError):
    def __init__(self, location: Location, dialog: str, node: str, ref: str) -> None:
        super().__init__(location, f"{dialog}.{node}: 'next' target '{ref}' does not exist")
        self.ref = ref


class UnreachableNodeError(DialogError):
    def __init__(self, location: Location, key: str) -> None:
        super().__init__(location, f"{key}: node is unreachable from any start")


class MissingFallbackError(DialogError):
    def __init__(self, location: Location, key: str) -> None:
        super().__init__(location, f"{key}: question has no 'fallback' message")


class MissingElseError(DialogError):
    def __init__(self, location: Location, key: str) -> None:
        super().__init__(location, f"{key}: branch has no 'else'")


class LoopWithoutQuestionError(DialogError):
    def __init__(self, location: Location, key: str) -> None:
        super().__init__(location, f"{key}: nodes loop back here without asking anything")


class UnknownConditionError(DialogError):
    def __init__(self, location: Location, key: str, name: str) -> None:
        super().__init__(location, f"{key}: unknown condition '{name}'")


class UnknownActionError(DialogError):
    def __init__(self, location: Location, key: str, name: str) -> None:
        super().__init__(location, f"{key}: unknown action '{name}'")


class UnknownSlotError(DialogError):
    def __init__(self, location: Location, key: str, name: str) -> None:
        super().__init__(location, f"{key}: unknown slot '{name}'")


class UnknownMessageError(DialogError):
    def __init__(self, location: Location, key: str, message_id: str, language: str) -> None:
        super().__init__(
            location, f"{key}: message id '{message_id}' is missing in the '{language}' catalog"
        )


class UnknownKnowledgeError(DialogError):
    def __init__(self, location: Location, key: str, ref: str) -> None:
        super().__init__(location, f"{key}: knowledge reference '{ref}' does not exist")
