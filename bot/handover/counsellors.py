"""Counsellor accounts: argon2id password hashes, languages spoken, region and role."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.models import LANGUAGES
from bot.store.models import Counsellor

# An editor is a counsellor who also keeps the course catalogue of their region.
ROLES = ("counsellor", "editor", "admin")
MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class CounsellorError(ValueError):
    """Invalid account data, with a message fit to show to an admin."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CounsellorError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verifying against a fixed hash when the e-mail is unknown keeps the timing the same.
DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing")


async def add_counsellor(
    *,
    session: AsyncSession,
    email: str,
    name: str,
    languages: list[str],
    region: str,
    password: str,
    role: str = "counsellor",
) -> Counsellor:
    email = email.strip().lower()
    if "@" not in email:
        raise CounsellorError("the e-mail address is not valid")
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if not languages or unknown:
        raise CounsellorError(f"languages must be some of {', '.join(LANGUAGES)}")
    if role not in ROLES:
        raise CounsellorError(f"role must be one of {', '.join(ROLES)}")
    taken = await session.execute(select(func.count()).where(Counsellor.email == email))
    if taken.scalar_one():
        raise CounsellorError("a counsellor with this e-mail address exists already")
    counsellor = Counsellor(
        email=email,
        name=name.strip(),
        languages=list(dict.fromkeys(languages)),
        region=region,
        role=role,
        active=True,
        password_hash=hash_password(password),
    )
    session.add(counsellor)
    await session.flush()
    return counsellor


async def by_email(*, session: AsyncSession, email: str) -> Counsellor | None:
    query = select(Counsellor).where(Counsellor.email == email.strip().lower())
    return (await session.execute(query)).scalar_one_or_none()
