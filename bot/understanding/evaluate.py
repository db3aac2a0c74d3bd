"""Side-by-side evaluation of Lotse's understanding and a TF-IDF baseline on a labelled set.

Run ``python -m bot.understanding.evaluate`` (development set) or
``python -m bot.understanding.evaluate --set tests/data/understanding_holdout.yaml``.
scikit-learn is a development dependency and is imported only inside the baseline functions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import math
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.content.loader import Knowledge, _load_examples, _load_models
from bot.content.models import Country, Occupation
from bot.understanding.intents import NULL, IntentRanker, softmax
from bot.understanding.understander import Understander

__all__ = [
    "HOLDOUT_SET",
    "DevMessage",
    "Report",
    "evaluate_baseline",
    "evaluate_lotse",
    "load_dev_set",
    "load_understanding_knowledge",
    "main",
]

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
DEV_SET = ROOT / "tests" / "data" / "understanding_dev.yaml"
HOLDOUT_SET = ROOT / "tests" / "data" / "understanding_holdout.yaml"
KNOWLEDGE = ROOT / "knowledge"


def load_understanding_knowledge(folder: Path) -> Knowledge:
    """Load only what understanding needs, so evaluation runs while other content is in flux."""
    locations: dict[tuple[str, str], tuple[str, int]] = {}
    return Knowledge(
        occupations=_load_models(
            folder / "occupations.yaml", "occupations", Occupation, "id", locations
        ),
        countries=_load_models(folder / "countries.yaml", "countries", Country, "code", locations),
        topics={},
        funding={},
        bodies={},
        regions={},
        examples=_load_examples(folder / "examples"),
        locations=locations,
    )


@dataclass(frozen=True)
class DevMessage:
    """One labelled message of the development set."""

    text: str
    language: str
    intent: str | None
    slots: dict[str, object]


def load_dev_set(path: Path = DEV_SET) -> tuple[dt.date, list[DevMessage]]:
    """Read the development set and the date its "seit 2016" labels assume."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    today = data["today"]
    messages = [
        DevMessage(
            text=str(item["text"]),
            language=str(item["language"]),
            intent=None if item["intent"] in (None, NULL) else str(item["intent"]),
            slots=dict(item.get("slots") or {}),
        )
        for item in data["messages"]
    ]
    return today, messages


@dataclass
class Report:
    """Predictions of one system over the development set, and the figures derived from them."""

    name: str
    messages: Sequence[DevMessage]
    intents: list[str | None] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    slots: list[dict[str, object] | None] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def intent_accuracy(self, subset: Callable[[DevMessage], bool] = lambda m: True) -> float:
        pairs = [(m, p) for m, p in zip(self.messages, self.intents, strict=True) if subset(m)]
        return sum(m.intent == p for m, p in pairs) / len(pairs) if pairs else 0.0

    def out_of_scope(self) -> float:
        return self.intent_accuracy(lambda m: m.intent is None)

    def false_rejections(self) -> float:
        pairs = [(m, p) for m, p in zip(self.messages, self.intents, strict=True) if m.intent]
        return sum(p is None for _, p in pairs) / len(pairs)

    def language_accuracy(self) -> float:
        hits = sum(m.language == p for m, p in zip(self.messages, self.languages, strict=True))
        return hits / len(self.messages)

    def slot_accuracy(self) -> float | None:
        if not self.slots or self.slots[0] is None:
            return None
        hits = sum(
            _same_slots(m.slots, p or {}) for m, p in zip(self.messages, self.slots, strict=True)
        )
        return hits / len(self.messages)

    def slot_scores(self) -> dict[str, tuple[float, float]]:
        """Precision and recall per slot name."""
        result: dict[str, tuple[float, float]] = {}
        for name in ("years", "occupation", "country", "employment"):
            gold = found = correct = 0
            for message, predicted in zip(self.messages, self.slots, strict=True):
                predicted = predicted or {}
                gold += name in message.slots
                found += name in predicted
                correct += name in predicted and _same_value(
                    message.slots.get(name), predicted[name]
                )
            result[name] = (correct / found if found else 1.0, correct / gold if gold else 1.0)
        return result

    def confusions(self, limit: int = 8) -> list[tuple[str, str, int]]:
        pairs: Counter[tuple[str, str]] = Counter(
            (str(m.intent or NULL), str(p or NULL))
            for m, p in zip(self.messages, self.intents, strict=True)
            if m.intent != p
        )
        return [(gold, pred, n) for (gold, pred), n in pairs.most_common(limit)]

    def latency_ms(self) -> tuple[float, float]:
        ordered = sorted(self.seconds)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] * 1000
        return p50, p99

    def calibration(self, bins: int = 5) -> list[tuple[float, float, float, int]]:
        """(low, high, accuracy, count) per confidence bin of the decisions made."""
        rows = []
        for index in range(bins):
            low, high = index / bins, (index + 1) / bins
            members = [
                m.intent == p
                for m, p, c in zip(self.messages, self.intents, self.confidences, strict=True)
                if low <= c < high or (index == bins - 1 and c == 1.0)
            ]
            if members:
                rows.append((low, high, sum(members) / len(members), len(members)))
        return rows


def _same_value(gold: object, predicted: object) -> bool:
    if isinstance(gold, int | float) and isinstance(predicted, int | float):
        return abs(float(gold) - float(predicted)) < 0.05
    return gold == predicted


def _same_slots(gold: Mapping[str, object], predicted: Mapping[str, object]) -> bool:
    return set(gold) == set(predicted) and all(_same_value(gold[k], predicted[k]) for k in gold)


def evaluate_lotse(
    understander: Understander, messages: Sequence[DevMessage], *, repeat: int = 3
) -> Report:
    """Run ``analyse`` on every message; latency is the best of ``repeat`` runs per message."""
    report = Report("Lotse", messages)
    for message in messages:
        understander.analyse(message.text)  # warm the per-token caches like a running bot
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            analysis = understander.analyse(message.text)
            best = min(best, time.perf_counter() - start)
        report.seconds.append(best)
        report.intents.append(analysis.intent)
        report.languages.append(analysis.language)
        report.slots.append(analysis.slots)
        report.confidences.append(analysis.confidence)
    return report


def evaluate_baseline(
    examples: Mapping[str, Mapping[str, Sequence[str]]], messages: Sequence[DevMessage]
) -> Report:
    """Char n-gram TF-IDF + logistic regression trained on the same example phrases."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts, intents, languages = [], [], []
    for intent, by_language in examples.items():
        for language, phrases in by_language.items():
            for phrase in phrases:
                texts.append(phrase)
                intents.append(intent)
                languages.append(language)

    def model() -> Any:
        return make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            LogisticRegression(max_iter=3000, C=10.0),
        )

    intent_model = model().fit(texts, intents)
    language_model = model().fit(texts, languages)
    report = Report("Baseline", messages)
    for message in messages:
        start = time.perf_counter()
        probabilities = intent_model.predict_proba([message.text])[0]
        language = str(language_model.predict([message.text])[0])
        report.seconds.append(time.perf_counter() - start)
        best = int(probabilities.argmax())
        label = str(intent_model.classes_[best])
        report.intents.append(None if label == NULL else label)
        report.languages.append(language)
        report.slots.append(None)
        report.confidences.append(float(probabilities[best]))
    return report


def language_library(messages: Sequence[DevMessage]) -> str:
    """Language accuracy of py3langid (restricted to de/tr/ru), when installed, for comparison."""
    try:
        import py3langid  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return "language library py3langid: not installed (pip install py3langid to compare)"
    py3langid.set_languages(["de", "tr", "ru"])
    hits = sum(py3langid.classify(m.text)[0] == m.language for m in messages)
    return f"language library py3langid: {_pct(hits / len(messages))} language accuracy"


def _pct(value: float | None) -> str:
    return "   n/a" if value is None else f"{100 * value:5.1f}%"


def _has_language(language: str) -> Callable[[DevMessage], bool]:
    return lambda message: message.language == language


def _has_intent(intent: str | None) -> Callable[[DevMessage], bool]:
    return lambda message: message.intent == intent


def render(reports: Sequence[Report], title: str = "development set") -> str:
    """Both systems' figures as one plain-text table."""
    messages = reports[0].messages
    names = "".join(f"{r.name:>10}" for r in reports)
    lines = [f"{title}: {len(messages)} messages", "", f"{'':34}{names}"]

    def row(label: str, values: Sequence[str]) -> None:
        lines.append(f"{label:34}" + "".join(f"{v:>10}" for v in values))

    row("intent accuracy", [_pct(r.intent_accuracy()) for r in reports])
    for language in ("de", "tr", "ru"):
        in_language = _has_language(language)
        row(f"  language {language}", [_pct(r.intent_accuracy(in_language)) for r in reports])
    intents = sorted({m.intent or NULL for m in messages})
    for intent in intents:
        gold = None if intent == NULL else intent
        count = sum(m.intent == gold for m in messages)
        with_intent = _has_intent(gold)
        row(f"  {intent} ({count})", [_pct(r.intent_accuracy(with_intent)) for r in reports])
    row("out-of-scope recognised", [_pct(r.out_of_scope()) for r in reports])
    row("in-scope wrongly rejected", [_pct(r.false_rejections()) for r in reports])
    row("language accuracy", [_pct(r.language_accuracy()) for r in reports])
    row("slot accuracy (exact per message)", [_pct(r.slot_accuracy()) for r in reports])
    for name, (precision, recall) in reports[0].slot_scores().items():
        row(f"  {name} precision / recall", [f"{_pct(precision)}/{_pct(recall)}"])
    row("latency p50 (ms)", [f"{r.latency_ms()[0]:.3f}" for r in reports])
    row("latency p99 (ms)", [f"{r.latency_ms()[1]:.3f}" for r in reports])
    for report in reports:
        lines.append("")
        lines.append(f"{report.name}: top confusions (gold -> predicted)")
        for gold_intent, predicted, count in report.confusions():
            lines.append(f"  {gold_intent:>22} -> {predicted:<22} {count}")
    lines.append("")
    lines.append(f"{reports[0].name}: calibration (confidence bin: accuracy, messages)")
    for low, high, accuracy, count in reports[0].calibration():
        lines.append(f"  {low:.1f}-{high:.1f}: {_pct(accuracy)} ({count})")
    return "\n".join(lines)


def errors(report: Report) -> str:
    """Every message the system got wrong (intent, language or slots)."""
    lines = []
    for index, message in enumerate(report.messages):
        intent, language = report.intents[index], report.languages[index]
        slots = report.slots[index]
        wrong = []
        if intent != message.intent:
            wrong.append(f"intent {message.intent} -> {intent} ({report.confidences[index]:.2f})")
        if language != message.language:
            wrong.append(f"language {message.language} -> {language}")
        if slots is not None and not _same_slots(message.slots, slots):
            wrong.append(f"slots {message.slots} -> {slots}")
        if wrong:
            lines.append(f"{message.text!r}: " + "; ".join(wrong))
    return "\n".join(lines)


def calibrate(examples: Mapping[str, Mapping[str, Sequence[str]]], folds: int = 5) -> str:
    """Fit the softmax temperature and report the threshold trade-off on held-out examples."""
    items = [
        (intent, language, phrase)
        for intent, by_language in examples.items()
        for language, phrases in by_language.items()
        for phrase in phrases
    ]
    random.Random(7).shuffle(items)
    held_out: list[tuple[list[float], int]] = []
    for fold in range(folds):
        train: dict[str, dict[str, list[str]]] = {}
        for n, (intent, language, phrase) in enumerate(items):
            if n % folds != fold:
                train.setdefault(intent, {}).setdefault(language, []).append(phrase)
        ranker = IntentRanker(train)
        for intent, _, phrase in items[fold::folds]:
            held_out.append((ranker.logits(phrase)[0], ranker.intents.index(intent)))
    lines = []
    best = (float("inf"), 1.0)
    for temperature in (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0):
        nll = -sum(
            math.log(max(1e-12, softmax([v / temperature for v in logits])[gold]))
            for logits, gold in held_out
        ) / len(held_out)
        lines.append(f"temperature {temperature:4.2f}: held-out log loss {nll:.3f}")
        best = min(best, (nll, temperature))
    temperature = best[1]
    intents = sorted(examples)
    null = intents.index(NULL) if NULL in intents else -1
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
        correct = 0
        for logits, gold in held_out:
            probabilities = softmax([v / temperature for v in logits])
            top = max(range(len(probabilities)), key=probabilities.__getitem__)
            decided = top if probabilities[top] >= threshold else null
            correct += decided == gold
        lines.append(f"threshold {threshold:.1f}: held-out accuracy {correct / len(held_out):.3f}")
    lines.append(f"best temperature: {temperature}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print both systems' figures; ``--errors`` also lists Lotse's mistakes."""
    parser = argparse.ArgumentParser(prog="python -m bot.understanding.evaluate")
    parser.add_argument(
        "--set",
        "--dev",
        dest="dev",
        type=Path,
        default=DEV_SET,
        help="labelled message set to evaluate (default: the development set)",
    )
    parser.add_argument("--knowledge", type=Path, default=KNOWLEDGE)
    parser.add_argument("--errors", action="store_true", help="list Lotse's mistakes")
    parser.add_argument(
        "--calibrate", action="store_true", help="fit the temperature on held-out examples"
    )
    args = parser.parse_args(argv)
    if args.calibrate:
        print(calibrate(load_understanding_knowledge(args.knowledge).examples))
        return 0
    today, messages = load_dev_set(args.dev)
    knowledge = load_understanding_knowledge(args.knowledge)
    understander = Understander(knowledge, today=lambda: today)
    lotse = evaluate_lotse(understander, messages)
    baseline = evaluate_baseline(knowledge.examples, messages)
    title = "development set" if args.dev == DEV_SET else args.dev.name
    print(render([lotse, baseline], title))
    print(language_library(messages))
    if args.errors:
        print("\nLotse mistakes:\n" + errors(lotse))
    return 0


if __name__ == "__main__":
    sys.exit(main())
