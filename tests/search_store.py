"""A small knowledge base written for the search tests: invented documents on cycling,
bees and ferries, built with the fake HashEmbedder (no model, no shared data)."""

from __future__ import annotations

from pathlib import Path

from kb.config import Settings
from kb.embed.encoders import HashEmbedder
from kb.store.sqlite import Store
from kb.types import Document, ParsedDocument, Passage, make_passage_id

CYCLING = Document(doc_id="1" * 16, file="cycling.pdf", sha256="1" * 64, title="Urban cycling lanes: a review",
                   short_title="Cycling lanes", publisher="TRANSPORT", year=2001, symbol="TR/C/7",
                   kind="issues paper", pages=9, fmt="pdf")
BEES = Document(doc_id="2" * 16, file="bees.txt", sha256="2" * 64, title="Pollinators and orchard yields",
                publisher="Farm Press", year=2012, kind="book chapter")
FERRY = Document(doc_id="3" * 16, file="ferries.txt", sha256="3" * 64, title="Island ferry subsidies",
                 publisher="TRANSPORT", year=2019, kind="briefing paper")

TEXTS = {
    CYCLING: [
        ("1", "Protected lanes separated by kerbs reduce cyclist injuries by about a third in the cities studied."),
        ("2", "Painted lanes without physical separation give little extra safety to riders."),
        ("3", "Bicycle parking near stations doubles the number of commuters who combine cycling and trains."),
        ("4", "Municipal budgets rarely fund lane maintenance, so surfaces degrade within five years."),
        ("5", "Cycling lanes also help delivery couriers who use cargo bikes in dense centres."),
        ("6", "The review recommends a national fund for cycling infrastructure in small towns."),
    ],
    BEES: [
        (None, "Wild bees visit apple blossoms earlier in the morning than honey bees do."),
        (None, "Orchards with hedgerows host twice as many pollinator species as bare orchards."),
        (None, "Pesticide spraying during bloom cuts bee visits and lowers fruit set."),
    ],
    FERRY: [
        (None, "Ferry subsidies keep island communities connected to hospitals on the mainland."),
        (None, "Cycling tourists on ferries bring revenue to small island shops."),
    ],
}


def build(path: Path, embedder: HashEmbedder | None = None) -> Path:
    """Write the three documents into a new store at `path`; returns the path."""
    emb = embedder or HashEmbedder(dim=64)
    store = Store.create(path, model=emb.name, dim=emb.dim)
    with store.transaction():
        for doc, rows in TEXTS.items():
            ps = tuple(Passage(passage_id=make_passage_id(doc.doc_id, i, t), doc_id=doc.doc_id, seq=i, text=t,
                               para=para, section=("Findings",), kind="para" if para else "text",
                               page_start=i + 1 if doc.fmt == "pdf" else None)
                       for i, (para, t) in enumerate(rows))
            store.add_document(ParsedDocument(doc, ps), emb.encode([p.text for p in ps]), [(doc.file, 1, 0.0)])
    store.save()
    store.close()
    return path


def open_kb(path: Path):
    """A KnowledgeBase over the built store, with the fake embedder."""
    from kb.search.knowledge_base import KnowledgeBase

    return KnowledgeBase.open(path, settings=Settings.load(kb_dir=str(path)), embedder=HashEmbedder(dim=64))
