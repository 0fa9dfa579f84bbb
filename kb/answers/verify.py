"""Checks on generated answers, so a chat model is held to the same citations as the offline
answer. Pure functions over the answer text and the numbered passages it was given:

- every marker [n] must point to a passage that was given (others are removed);
- text in quotation marks must be verbatim in a passage the sentence cites (else the sentence
  is dropped);
- a sentence with no valid marker, or whose cited passages share too little of its content,
  is dropped (or only flagged with drop=False).

The kept markers are renumbered 1..m in order of first use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kb.answers.tuning import MIN_SUPPORT
from kb.sentences import split_sentences, stems

_MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_LEADING_MARKERS = re.compile(r"^(?:\[\d+(?:\s*[,;]\s*\d+)*\]\s*)+")
_QUOTED = re.compile(r"[\"\u201c]([^\"\u201c\u201d]{12,}?)[\"\u201d]")


@dataclass(frozen=True)
class Checked:
    """A verified answer: the kept text (markers renumbered), which given passages it cites
    (old numbers, in the new order), and what was removed or flagged."""

    text: str
    used: tuple[int, ...]
    issues: tuple[str, ...]


def split_answer(text: str) -> list[str]:
    """Sentences of a generated answer, each keeping the markers that follow its full stop."""
    out: list[str] = []
    for span in split_sentences(text, min_chars=1):
        piece = span.of(text)
        lead = _LEADING_MARKERS.match(piece)
        if lead and out:
            out[-1] = out[-1] + " " + lead.group(0).strip()
            piece = piece[lead.end():].strip()
        if piece:
            out.append(piece)
    return out


def markers(sentence: str) -> list[int]:
    """The passage numbers a sentence cites, in order."""
    nums: list[int] = []
    for m in _MARKER.finditer(sentence):
        for part in re.split(r"\s*[,;]\s*", m.group(1)):
            if int(part) not in nums:
                nums.append(int(part))
    return nums


def _norm(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split())


def quotes_in(sentence: str) -> list[str]:
    """Text the sentence puts in quotation marks (12 characters or more)."""
    return [m.group(1).strip() for m in _QUOTED.finditer(sentence)]


def _short(sentence: str, n: int = 70) -> str:
    return sentence if len(sentence) <= n else sentence[:n].rstrip() + "..."


def verify_answer(text: str, sources: Mapping[int, str], drop: bool = True, keep: tuple[str, ...] = (),
                  min_support: float = MIN_SUPPORT) -> Checked:
    """Check a generated answer against the numbered passages it was given (pure)."""
    kept: list[tuple[str, list[int]]] = []
    issues: list[str] = []
    for sentence in split_answer(text):
        body = _MARKER.sub("", sentence).strip()
        if not body:
            continue
        if any(k.rstrip(".").lower() in body.lower() for k in keep):
            kept.append((body, []))
            continue
        cited = markers(sentence)
        bad = [n for n in cited if n not in sources]
        valid = [n for n in cited if n in sources]
        for n in bad:
            issues.append(f"removed marker [{n}]: no passage {n} was given")
        problem = None
        if not valid:
            problem = "no citation"
        else:
            for q in quotes_in(body):
                if not any(_norm(q) in _norm(sources[n]) for n in valid):
                    problem = f"quotation not verbatim in [{', '.join(map(str, valid))}]"
                    break
            if problem is None:
                own = stems(body)
                have = set().union(*(stems(sources[n]) for n in valid))
                if own and len(own & have) / len(own) < min_support:
                    problem = f"not supported by the cited passage [{', '.join(map(str, valid))}]"
        if problem is not None:
            issues.append(f"{'dropped' if drop else 'flagged'} a sentence ({problem}): \"{_short(body)}\"")
            if drop:
                continue
        kept.append((body, valid))
    numbering: dict[int, int] = {}
    parts = []
    for body, valid in kept:
        for n in valid:
            numbering.setdefault(n, len(numbering) + 1)
        tag = "".join(f" [{numbering[n]}]" for n in valid)
        parts.append(body + tag)
    return Checked(text=" ".join(parts), used=tuple(sorted(numbering, key=numbering.get)), issues=tuple(issues))
