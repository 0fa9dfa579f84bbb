"""A small knowledge base written for the answer tests: three invented documents about
municipal water policy, built with the fake HashEmbedder (no model, no shared data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.config import Settings
from kb.embed.encoders import HashEmbedder
from kb.store.sqlite import Store
from kb.types import Document, ParsedDocument, Passage, make_passage_id

AGENCY = Document(
    doc_id="a" * 16, file="agency_water.pdf", sha256="a" * 64,
    title="Pricing and metering of urban water: an assessment", short_title="Urban water pricing",
    authors="Water Agency secretariat", publisher="WAGENCY", year=2003, symbol="WA/R/12", kind="issues paper",
    pages=12, fmt="pdf")
SCHOLAR = Document(
    doc_id="b" * 16, file="scholar_rivers.txt", sha256="b" * 64,
    title="Rivers, Reservoirs and Rural Irrigation", short_title="Rivers and irrigation",
    authors="Ana Lima; Tom Berg", publisher="River Press", year=2011, kind="book chapter", fmt="text")
NETWORK = Document(
    doc_id="c" * 16, file="network_leaks.txt", sha256="c" * 64,
    title="Leak Detection Networks", authors="Pia Sand", publisher="Grid Institute", year=2015,
    kind="briefing paper", fmt="text")

AGENCY_TEXT = [
    ("4", 3, "2", ("Metering every household connection lets utilities charge for the water actually used. "
                  "Households with meters cut their consumption by about 15 per cent within two years.")),
    ("5", 3, "2", ("Flat-rate tariffs give no signal to save water. They also hide leaks inside private homes, "
                  "which can waste a large share of supply.")),
    ("6", 4, "3", ("The agency recommends increasing block tariffs rather than subsidised flat rates. "
                  "A first block of free water protects poor households while higher blocks pay for maintenance.")),
    ("7", 5, "4", ("Public utilities should keep control of tariff setting. Private operators may run networks "
                  "under contract, but prices must be approved by an independent regulator.")),
]
SCHOLAR_TEXT = [
    ("Drip irrigation delivers water directly to the roots of crops. Farmers who adopt it often use "
    "40 per cent less water than with flood irrigation."),
    ("Reservoir building has displaced many rural communities. The authors argue that small farm ponds "
    "are a cheaper and fairer way to store water than large dams."),
    ("Metering is rarely practical on remote farms. Instead, irrigation associations share water by fixed "
    "turns agreed among members."),
]
NETWORK_TEXT = [
    ("Acoustic sensors placed on water mains can locate leaks within a few metres. Cities that installed "
    "them cut water losses by a third in five years."),
    ("Household metering does not reduce consumption in the long run. Usage returns to its old level once "
    "the novelty of the bill wears off."),
]


def passages(doc: Document, rows: list[tuple[str | None, int | None, str | None, str]]) -> list[Passage]:
    out = []
    for seq, (para, page, label, text) in enumerate(rows):
        out.append(Passage(passage_id=make_passage_id(doc.doc_id, seq, text), doc_id=doc.doc_id, seq=seq,
                           text=text, para=para, section=("Findings",), kind="para" if para else "text",
                           page_start=page, page_end=page, page_label=label))
    return out


def build(path: Path, embedder: HashEmbedder | None = None) -> Path:
    """Write the three documents into a new store at `path`; returns the path."""
    emb = embedder or HashEmbedder(dim=64)
    store = Store.create(path, model=emb.name, dim=emb.dim)
    docs = [
        (AGENCY, passages(AGENCY, AGENCY_TEXT)),
        (SCHOLAR, passages(SCHOLAR, [(None, None, None, t) for t in SCHOLAR_TEXT])),
        (NETWORK, passages(NETWORK, [(None, None, None, t) for t in NETWORK_TEXT])),
    ]
    with store.transaction():
        for doc, ps in docs:
            vecs = emb.encode([p.text for p in ps])
            store.add_document(ParsedDocument(doc, tuple(ps)), vecs, [(doc.file, 1, 0.0)])
    store.save()
    store.close()
    return path


def open_kb(path: Path):
    """The KnowledgeBase over a built test store, with the fake embedder."""
    from kb.search.knowledge_base import KnowledgeBase

    emb = HashEmbedder(dim=64)
    return KnowledgeBase.open(path, settings=Settings.load(kb_dir=str(path)), embedder=emb)


@pytest.fixture(scope="module")
def water_kb(tmp_path_factory):
    """The three-document test knowledge base, opened with the fake embedder."""
    path = build(tmp_path_factory.mktemp("answers") / "kb")
    kbase = open_kb(path)
    yield kbase
    kbase.close()
