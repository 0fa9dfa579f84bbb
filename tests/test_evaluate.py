"""The retrieval scoring rule of the eval README, on small hand-written cases."""

from __future__ import annotations

import json

import pytest

from kb.search.evaluate import Question, hits_quote, needed_run, read_questions, score_question, summarise
from kb.types import Document, Hit, Passage

QUOTE = "Protected lanes separated by kerbs reduce cyclist injuries by about a third in the cities studied."


@pytest.mark.parametrize(("n", "need"), [(5, 5), (8, 8), (10, 8), (15, 9), (20, 12), (21, 12), (60, 12)])
def test_needed_run_follows_the_rule(n, need):
    """This test ensures that 60% of the quote, at least 8 and at most 12 beyond 20 tokens, is needed."""
    assert needed_run(n) == need


def test_hit_needs_a_long_enough_shared_run():
    """This test ensures that a passage hits only when it shares a long enough contiguous token run."""
    assert hits_quote("Intro. " + QUOTE + " More text.", QUOTE)
    assert hits_quote("**Protected lanes** separated by <b>kerbs</b> reduce cyclist injuries by about a third", QUOTE)
    assert not hits_quote("Protected lanes separated by kerbs. Cyclist injuries fell by about a third.", QUOTE)
    assert not hits_quote("", QUOTE)


def _hit(text: str, rank: int, para: str | None = None, page: int | None = None, file: str = "d.pdf") -> Hit:
    doc = Document(doc_id=file, file=file, sha256="0")
    return Hit(Passage(passage_id=f"p{rank}", doc_id=file, seq=rank, text=text, para=para, page_start=page),
               doc, score=1.0 / rank, rank=rank)


def test_score_question_records_rank_paragraph_page_and_documents():
    """This test ensures that the first hit's rank, paragraph and page accuracy and document coverage are counted."""
    other = "Quote from a second document about cargo bikes used by couriers in dense city centres every day."
    q = Question("q1", "?", "cross-doc", (
        {"doc": "a.txt", "quote": QUOTE, "para": "7", "page": 3},
        {"doc": "b.txt", "quote": other, "para": None, "page": None},
    ))
    s = score_question(q, [_hit("nothing relevant", 1), _hit(QUOTE, 2, para="7", page=4), _hit(other, 3)])
    assert s.first_hit == 2
    assert (s.docs, s.docs_found) == (2, 2)
    assert (s.para_checked, s.para_right) == (1, 1)
    assert (s.page_checked, s.page_right) == (1, 0), "page 4 is not the gold page 3"


def test_summary_metrics_over_answerable_questions():
    """This test ensures that hit@k and MRR average over answerable questions only."""
    q1 = Question("a", "?", "fact", ({"doc": "a", "quote": QUOTE, "para": None},))
    q2 = Question("b", "?", "fact", ({"doc": "a", "quote": QUOTE, "para": None},))
    q3 = Question("c", "?", "unanswerable", ())
    scores = [score_question(q1, [_hit(QUOTE, 1)]), score_question(q2, [_hit("x", 1), _hit("y", 2), _hit(QUOTE, 3)]),
              score_question(q3, [_hit(QUOTE, 1)])]
    m = summarise(scores)
    assert m["answerable"] == 2
    assert (m["hit@1"], m["hit@5"]) == (0.5, 1.0)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 3) / 2, abs=1e-4)
    assert m["coverage@10"] is None, "no multi-document question"


def test_read_questions_names_the_bad_line(tmp_path):
    """This test ensures that a malformed question file is reported with its file and line."""
    f = tmp_path / "q.jsonl"
    f.write_text(json.dumps({"id": "1", "question": "x", "evidence": []}) + "\n{broken\n")
    with pytest.raises(Exception, match=r"q\.jsonl:2"):
        read_questions(f)
