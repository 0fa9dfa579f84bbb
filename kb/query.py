"""Query framing removal for the dense side.

A question often opens with words about the request rather than its topic: a lead-in that
ends in a colon ("I want a sentence for my notes: ..."), "Is it true that ...", "According
to the report, ...", "What does the chapter say about ...". The embedding of the whole
question is pulled toward that framing; `strip_framing` returns the topic part. Pure text
rules, no knowledge of any corpus.
"""

from __future__ import annotations

import re

_LEAD_IN = re.compile(r"^(?:i|i'd|i'm|we|we'd|please|give|find|show|get|need)\b[^:?]{0,100}:\s+", re.IGNORECASE)
_TRUE_THAT = re.compile(r"^(?:is it (?:true|the case|correct|right)|can you confirm|would you say)(?: that)?,?\s+",
                        re.IGNORECASE)
_ACCORDING = re.compile(r"^according to [^,?]{1,80},\s*", re.IGNORECASE)
_SAY_ABOUT = re.compile(r"^(?:what|how) (?:does|do|did) (?:the|this|that) \w+ (?:say|says|describe|state)\s+(?:about\s+)?",
                        re.IGNORECASE)
_RULES = (_LEAD_IN, _TRUE_THAT, _ACCORDING, _SAY_ABOUT)


def strip_framing(query: str) -> str:
    """The query without a leading request frame; the query itself when nothing (or
    nothing but the frame) would be left."""
    out = query.strip()
    for rule in _RULES:
        rest = rule.sub("", out, count=1)
        if rest.strip():
            out = rest
    return out
