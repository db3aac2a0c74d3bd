"""Question-level answers: which curated answer entry a message asks for."""

from bot.answers.selector import AnswerMatch, AnswerSelector, Decision, answer_selector

__all__ = ["AnswerMatch", "AnswerSelector", "Decision", "answer_selector"]
