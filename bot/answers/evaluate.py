"""Answer-level evaluation: Lotse beside a TF-IDF + logistic-regression peer, in one run.

``python -m bot.answers.evaluate`` reports the development set and the holdout set.
Each system decides per first message: show one answer entry (a confident answer), offer
"did you mean" buttons, or show none. The peer learns from exactly the same phrases.
scikit-learn is a development dependency, imported only for the peer.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.answers.selector import NONE_LABEL
from bot.bundle import Content
from bot.content.models import LANGUAGES
from bot.engine import ConversationState, Start, Text

__all__ = [
    "DEV_SET",
    "HOLDOUT_SET",
    "Question",
    "Report",
    "evaluate_lotse",
    "evaluate_peer",
    "train_peer",
]

ROOT = Path(__file__).resolve().parents[2]
DEV_SET = ROOT / "tests" / "data" / "answers_dev.yaml"
HOLDOUT_SET = ROOT / "tests" / "data" / "answers_holdout.yaml"
# The peer answers when its probability reaches this, and offers buttons above the lower one.
PEER_CONFIDENT = 0.5
PEER_UNSURE = 0.15


@dataclass(frozen=True)
class Question:
    text: str
    language: str
    answer: str | None  # the entry that should be shown first, or None


def load_questions(path: Path) -> list[Question]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Question(str(q["text"]), str(q["language"]), q["answer"] if q["answer"] else None)
        for q in data["questions"]
    ]


@dataclass(frozen=True)
class Decision:
    shown: str | None  # the entry shown first
    guesses: tuple[str, ...] = ()  # the entries offered as "did you mean"


@dataclass
class Report:
    name: str
    questions: Sequence[Question]
    decisions: list[Decision] = field(default_factory=list)

    def _pairs(self, language: str | None) -> list[tuple[Question, Decision]]:
        return [
            (q, d)
            for q, d in zip(self.questions, self.decisions, strict=True)
            if language is None or q.language == language
        ]

    def _rate(self, test: Callable[[Question, Decision], bool], language: str | None) -> float:
        pairs = self._pairs(language)
        return sum(test(q, d) for q, d in pairs) / len(pairs) if pairs else 0.0

    def top1(self, language: str | None = None) -> float:
        """Share of messages whose first reply shows exactly the expected entry (or none)."""
        return self._rate(
            lambda q, d: d.shown == q.answer and not (q.answer and d.guesses), language
        )

    def did_you_mean(self, language: str | None = None) -> float:
        return self._rate(lambda q, d: d.shown is None and bool(d.guesses), language)

    def wrong_confident(self, language: str | None = None) -> float:
        """Share of messages that got a confident answer to another question."""
        return self._rate(lambda q, d: d.shown is not None and d.shown != q.answer, language)

    def guessed_right(self, language: str | None = None) -> float:
        """Share where the expected entry is among the "did you mean" buttons."""
        return self._rate(lambda q, d: q.answer is not None and q.answer in d.guesses, language)

    def confusions(self, limit: int = 10) -> list[tuple[str, str, str]]:
        wrong = [
            (q.answer or NONE_LABEL, d.shown, q.text)
            for q, d in zip(self.questions, self.decisions, strict=True)
            if d.shown is not None and d.shown != q.answer
        ]
        return wrong[:limit]


def evaluate_lotse(content: Content, questions: Sequence[Question]) -> Report:
    """Each question as the first message of a new conversation, through the real engine."""
    engine = content.engine(region=None)
    report = Report("Lotse", questions)
    for question in questions:
        state, _ = engine.handle(
            ConversationState(), Start(language=question.language, silent=True)
        )
        _, reply = engine.handle(state, Text(question.text))
        guesses = tuple(
            o.id.removeprefix("answer:") for o in reply.options if o.id.startswith("answer:")
        )
        report.decisions.append(Decision(reply.answer, guesses))
    return report


def train_peer(content: Content) -> Any:
    """TF-IDF over words and character n-grams, multinomial logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    texts: list[str] = []
    labels: list[str] = []
    for answer_id, answer in content.knowledge.answers.items():
        for phrase in [*answer.examples.all(), *(answer.title.get(x) for x in LANGUAGES)]:
            texts.append(phrase)
            labels.append(answer_id)
    for phrases in content.knowledge.examples.get(NONE_LABEL, {}).values():
        texts += phrases
        labels += [NONE_LABEL] * len(phrases)
    model = make_pipeline(
        make_union(
            TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True),
        ),
        LogisticRegression(C=20.0, max_iter=2000, tol=1e-3),
    )
    return model.fit(texts, labels)


def evaluate_peer(model: Any, questions: Sequence[Question]) -> Report:
    """The peer decides like Lotse: answer when sure, offer buttons when unsure, else none."""
    classes = list(model.classes_)
    report = Report("TF-IDF + LR", questions)
    for row in model.predict_proba([q.text for q in questions]):
        ranked = sorted(zip(classes, row, strict=True), key=lambda pair: -pair[1])
        best, probability = ranked[0]
        if best == NONE_LABEL:
            report.decisions.append(Decision(None))
        elif probability >= PEER_CONFIDENT:
            report.decisions.append(Decision(best))
        else:
            guesses = tuple(c for c, p in ranked[:3] if c != NONE_LABEL and p >= PEER_UNSURE)
            report.decisions.append(Decision(None, guesses))
    return report


def _print(name: str, reports: Sequence[Report], out: Callable[[str], None]) -> None:
    out(f"\n{name}: {len(reports[0].questions)} questions")
    out(f"{'system':<14}{'lang':<6}{'top-1':>8}{'did you mean':>14}{'in buttons':>12}{'wrong':>8}")
    for report in reports:
        for language in (None, *LANGUAGES):
            out(
                f"{report.name:<14}{language or 'all':<6}{report.top1(language):>8.1%}"
                f"{report.did_you_mean(language):>14.1%}{report.guessed_right(language):>12.1%}"
                f"{report.wrong_confident(language):>8.1%}"
            )
    confusions = Counter((gold, shown) for gold, shown, _ in reports[0].confusions(limit=1000))
    if confusions:
        out("Lotse's wrong answers (expected → shown): ")
        for (gold, shown), count in confusions.most_common(12):
            out(f"  {gold} → {shown} ×{count}")


def fit_confidence(content: Content, questions: Sequence[Question]) -> list[float]:
    """Refit the confidence model on a labelled set: "is the best entry the right one?"."""
    from sklearn.linear_model import LogisticRegression

    selector = content.answers
    features: list[list[float]] = []
    right: list[int] = []
    for question in questions:
        ranked = selector.rank(question.text)
        if not ranked:
            continue
        features.append(list(selector.features(ranked))[1:])
        best = ranked[0][0]
        right.append(int((None if best == NONE_LABEL else best) == question.answer))
    model = LogisticRegression(C=10.0, max_iter=1000).fit(features, right)
    return [float(model.intercept_[0]), *(float(w) for w in model.coef_[0])]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.answers.evaluate")
    parser.add_argument("--set", type=Path, action="append", help="labelled question sets")
    parser.add_argument(
        "--fit", action="store_true", help="print confidence weights fitted on the dev set"
    )
    args = parser.parse_args(argv)
    content = Content.load(ROOT)
    if args.fit:
        weights = fit_confidence(content, load_questions(DEV_SET))
        print("CONFIDENCE_WEIGHTS =", tuple(round(w, 3) for w in weights))
        return 0
    peer = train_peer(content)
    for path in args.set or [DEV_SET, HOLDOUT_SET]:
        questions = load_questions(path)
        reports = [evaluate_lotse(content, questions), evaluate_peer(peer, questions)]
        _print(path.name, reports, print)
    return 0


if __name__ == "__main__":
    sys.exit(main())
