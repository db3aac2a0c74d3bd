"""All content loaded together (dialogs, knowledge, catalogs, the trained understanding).

Training the understanding and indexing the answer entries takes most of a start. The trained
objects are kept in a cache file keyed by a hash of the content files and of the code that
builds them, so ``lotse ask`` and every worker after the first start in a fraction of the time;
any edit of a dialog, an entry or the code makes a new key, and the cache is rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.answers import AnswerSelector, answer_selector
from bot.content import Knowledge, load_knowledge
from bot.content.models import LANGUAGES
from bot.engine import DialogSet, Engine, load_dialogs
from bot.engine.validate import content_errors
from bot.i18n import Catalogs
from bot.understanding import Understander

if TYPE_CHECKING:
    from collections.abc import Iterator

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parent
_CONTENT_FOLDERS = ("dialogs", "knowledge")
# Bump when the cache file's layout changes in a way the code hash would not show.
_FORMAT = 1


@dataclass(frozen=True)
class Content:
    """Everything loaded from the content folders, validated together."""

    dialogs: DialogSet
    knowledge: Knowledge
    catalogs: Catalogs
    understander: Understander  # trained on the example phrases once, at load
    answers: AnswerSelector  # indexes the answer entries' example phrases once, at load

    @classmethod
    def load(cls, root: Path, *, cache_dir: Path | None = None) -> Content:
        """Load and cross-check all content; raises ``ContentError`` on the first problem.

        With ``cache_dir``, the trained parts come from a cache file when one matches.
        """
        catalogs = Catalogs(root / "locales")
        cache = cache_dir / f"content-{content_key(root)}.pickle" if cache_dir else None
        trained = _read_cache(cache) if cache else None
        if trained is None:
            trained = _train(root)
            if cache is not None:
                _write_cache(cache, trained)
        dialogs, knowledge, understander, answers = trained
        for error in content_errors(dialogs, knowledge, catalogs.has_message, LANGUAGES):
            raise error
        return cls(dialogs, knowledge, catalogs, understander, answers)

    def engine(self, *, region: str | None, retention_days: int = 180) -> Engine:
        """A dialog engine over this content, for one deployment's region and retention."""
        return Engine(
            self.dialogs,
            self.knowledge,
            self.understander,
            lambda language, message_id: self.catalogs.translator(language).text(message_id),
            default_region=region,
            retention_days=retention_days,
            answers=self.answers,
        )


_Trained = tuple[DialogSet, Knowledge, Understander, AnswerSelector]


def _train(root: Path) -> _Trained:
    knowledge = load_knowledge(root / "knowledge")
    dialogs = load_dialogs(root / "dialogs")
    understander = Understander(knowledge)
    answers = answer_selector(knowledge, topic_prior=understander.intent_probabilities)
    return dialogs, knowledge, understander, answers


def content_key(root: Path) -> str:
    """A hash of the content files and of the code that reads and trains on them."""
    digest = hashlib.sha256(f"{_FORMAT} {sys.version}".encode())
    for path in _key_files(root):
        digest.update(str(path.relative_to(path.anchor)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def _key_files(root: Path) -> Iterator[Path]:
    for folder in _CONTENT_FOLDERS:
        yield from sorted(p for p in (root / folder).rglob("*") if p.is_file())
    yield from sorted(PACKAGE.rglob("*.py"))


def _read_cache(path: Path) -> _Trained | None:
    # The file is ours: written below into the service's own var folder, under a content hash.
    try:
        with path.open("rb") as file:
            trained: _Trained = pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception:  # a torn or stale file is rebuilt, never fatal
        log.warning("content cache %s unreadable; rebuilding it", path.name)
        return None
    return trained


def _write_cache(path: Path, trained: _Trained) -> None:
    """Written to a temporary file and renamed, so a reader never sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a read-only folder only costs the next start its time
        log.warning("content cache not written: %s", error.strerror)
        return
    with tempfile.NamedTemporaryFile(
        dir=path.parent, prefix="content-", suffix=".tmp", delete=False
    ) as file:
        temporary = Path(file.name)
        try:
            pickle.dump(trained, file, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            log.exception("content cache not written")
            temporary.unlink(missing_ok=True)
            return
    try:
        os.replace(temporary, path)
    except OSError as error:
        log.warning("content cache not written: %s", error.strerror)
        temporary.unlink(missing_ok=True)
        return
    # Older caches go; another process's temporary file only once it is clearly abandoned
    # (several workers may be writing the same cache at start-up).
    abandoned = time.time() - 3600
    for old in path.parent.glob("content-*"):
        stale = old.suffix == ".pickle" or (old.suffix == ".tmp" and _modified(old) < abandoned)
        if old != path and stale:
            old.unlink(missing_ok=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return float("inf")  # gone already
