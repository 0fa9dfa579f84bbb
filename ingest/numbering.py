"""Sequence-aware paragraph numbering: is "N." the document's next paragraph?

Pure decision functions over the numbers seen so far and the numbered lines still to come, so
a footnote "1. UNCTAD (1997)." after paragraph 10, a numbered sub-heading "1. Official debt"
inside a run of paragraphs, or a list "1. ... 2. ..." never breaks the paragraph run.
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_PARA_GAP = 3  # accept N when last < N <= last + MAX_PARA_GAP (a lost paragraph or two)
FIRST_MAX = 3  # the first paragraph found may be 1, 2 or 3 (the first ones lost in extraction)
RESYNC_RUN = 3  # N, N+1, N+2 ahead: a run of paragraphs after a longer loss


def continues_sequence(n: int, last: int | None, after_heading: bool, upcoming: Sequence[int]) -> bool:
    """Whether paragraph number `n` continues the document's numbering.

    `last` is the last accepted paragraph number (None before the first), `after_heading` whether
    a heading came since, `upcoming` the numbers of the numbered lines that follow (nearest first).
    A restart at 1 needs a heading before it (or, without one, a run 1, 2, 3) and must not be
    followed by the old run (last + 1).
    """
    nxt = upcoming[0] if upcoming else None
    if last is None:
        return n <= FIRST_MAX and (nxt is None or nxt != 1 or n == 1)
    if last < n <= last + MAX_PARA_GAP:
        # a gap is fine unless the skipped number is still to come (then n is a list item or note)
        return n == last + 1 or (last + 1) not in upcoming[:3]
    if n == 1 and after_heading:
        return nxt is None or (nxt in (2, 3) and nxt != last + 1)
    if n == 1:  # a new report whose heading was not recognised: only on a clear run 1, 2, 3
        return list(upcoming[:2]) == [2, 3] and last + 1 not in upcoming[:3]
    return is_resync(n, last, upcoming)


def is_resync(n: int, last: int, upcoming: Sequence[int]) -> bool:
    """A longer jump forward is accepted when a run n, n+1, n+2 follows (paragraphs were lost)."""
    if n <= last:
        return False
    run = list(upcoming[: RESYNC_RUN - 1])
    return run == [n + k for k in range(1, RESYNC_RUN)]
