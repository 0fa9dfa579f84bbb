"""kb's chat UI: `streamlit run app.py`.

A thin client of kb's public API (names exported by `kb/__init__.py`): no retrieval logic here.
Modes: Ask (cited answer), Quote (verified quotes, exports), Cross-check (verdict per document),
Compare (one row per document). The Library page lists, uploads and removes documents.
"""

from __future__ import annotations

import html
from pathlib import Path

import streamlit as st

import kb
from kb.types import para_label

MODES = {
    "Ask": "Ask a question; get a short answer with numbered sources.",
    "Quote": "Find verbatim, verified quotes with copy-ready references.",
    "Cross-check": "Check a claim or recommendation against every document.",
    "Compare": "See what each document says on a topic, side by side.",
}
PLACEHOLDER = {
    "Ask": "Ask a question about the documents…",
    "Quote": "Topic for a quote, e.g. why clusters matter for small firms",
    "Cross-check": "A claim to check, e.g. Governments should build clusters from scratch",
    "Compare": "A topic to compare across documents…",
}
# Streamlit's own icon font: emoji render as empty boxes where the system has no emoji font
VERDICT_ICON = {"supports": ":material/check_circle:", "contradicts": ":material/cancel:",
                "not addressed": ":material/remove:", "unclear": ":material/help:"}


# ---------------------------------------------------------------- resources (once per process)
def settings() -> kb.Settings:
    return kb.Settings.load()


@st.cache_resource(show_spinner="Loading the knowledge base and the embedding model…")
def open_kb(kb_dir: str, generation: int):
    """The knowledge base, opened once per process (and again after the library changes)."""
    kbase = kb.KnowledgeBase.open(kb_dir, settings=settings())
    _ = kbase.embedder  # load the model now, not on the first question
    return kbase


def store_generation(kb_dir: str) -> int:
    return st.session_state.get(f"gen:{kb_dir}", 0)


def bump_generation(kb_dir: str) -> None:
    st.session_state[f"gen:{kb_dir}"] = store_generation(kb_dir) + 1


def current_kb():
    """The open knowledge base, or None when there is none yet (first run)."""
    kb_dir = settings().kb_dir
    if not (Path(kb_dir) / "manifest.json").exists():
        return None
    return open_kb(kb_dir, store_generation(kb_dir))


# ---------------------------------------------------------------- small renderers
def esc(text: str) -> str:
    return html.escape(text).replace("$", "&#36;")


def highlighted(text: str, sentences: list[str]) -> str:
    """The paragraph as HTML with the supporting sentences marked."""
    spans: list[tuple[int, int]] = []
    for s in sentences:
        i = text.find(s)
        if i >= 0:
            spans.append((i, i + len(s)))
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(esc(text[pos:start]))
        out.append(f"<mark>{esc(text[start:end])}</mark>")
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def citation_line(c: dict) -> str:
    return c.get("short_reference") or c.get("reference") or c.get("doc_file", "")


def source_card(kbase, n: int | None, cite: dict, sentences: list[str], key: str, show_reference: bool = True) -> None:
    """One source: citation line, paragraph with the supporting sentence highlighted,
    neighbouring paragraphs on demand, copy-ready reference."""
    with st.container(border=True):
        label = f"**[{n}]** " if n is not None else ""
        st.markdown(f"{label}{esc(citation_line(cite))}", unsafe_allow_html=True)
        section = cite.get("section")
        if section:
            st.caption(section)
        st.markdown(f"<div class='kb-passage'>{highlighted(cite['text'], sentences)}</div>", unsafe_allow_html=True)
        reference = cite.get("reference", "")
        if show_reference and reference and reference != citation_line(cite):  # the reference once
            st.code(reference, language=None, wrap_lines=True)
        if st.toggle("Show neighbouring paragraphs", key=f"ctx-{key}"):
            for p in kbase.neighbours(cite["passage_id"], before=1, after=1):
                if p.passage_id == cite["passage_id"]:
                    continue
                where = para_label(p.para) or p.section_path or ""
                st.markdown(f"<div class='kb-context'><small>{esc(where)}</small><br>{esc(p.text)}</div>",
                            unsafe_allow_html=True)
        if cite.get("page") and st.toggle("Show the source page", key=f"src-{key}"):
            source_view(kbase, cite["passage_id"], key)


def source_view(kbase, passage_id: str, key: str) -> None:
    """The PDF page(s) the passage stands on, highlighted; previous / next page."""
    try:
        pages = kb.source_pages(passage_id, kbase.settings, page=st.session_state.get(f"page-{key}"))
    except kb.KBError as exc:
        st.warning(str(exc))
        return
    for page in pages:
        printed = f" (printed {page.page_label})" if page.page_label and page.page_label != str(page.page) else ""
        st.image(page.png, caption=f"Page {page.page}{printed} of {page.pages}")
    (before, after), first, last = st.columns(2), pages[0].page, pages[-1].page
    if before.button("Previous page", key=f"prev-{key}", disabled=first <= 1, icon=":material/arrow_back:"):
        st.session_state[f"page-{key}"] = first - 1
        st.rerun()
    if after.button("Next page", key=f"next-{key}", disabled=last >= pages[-1].pages, icon=":material/arrow_forward:"):
        st.session_state[f"page-{key}"] = last + 1
        st.rerun()


# ---------------------------------------------------------------- modes
def run_mode(kbase, mode: str, query: str, filters: kb.Filters) -> dict:
    """Run one request; the result is stored in the chat history as plain data."""
    if mode == "Ask":
        return {"answer": kb.ask(kbase, query, filters=filters).to_dict()}
    if mode == "Quote":
        quotes = kb.find_quotes(kbase, query, filters=filters)
        exports = {fmt: kb.export_quotes(quotes, fmt) for fmt in ("md", "csv", "bib", "ris")} if quotes else {}
        return {"quotes": [q.to_dict() | {"text": q.passage.text} for q in quotes], "exports": exports}
    if mode == "Cross-check":
        return {"verdict": kb.check_claim(kbase, query, filters=filters).to_dict()}
    return {"comparison": kb.compare_documents(kbase, query, filters=filters).to_dict()}


KINDS = {"Ask": "answer", "Quote": "quotes", "Cross-check": "verdict", "Compare": "comparison"}


def downloads(files: dict[str, str | bytes], key: str) -> None:
    """One download button per file, side by side."""
    for col, (name, data) in zip(st.columns(max(4, len(files))), files.items()):
        label, mime = kb.FILE_TYPES[name.rsplit(".", 1)[-1]]
        col.download_button(f"⬇ {label}", data=data, file_name=name, mime=mime, key=f"{key}-dl-{name}")


def show_result(kbase, mode: str, result: dict, key: str) -> None:
    if "error" in result:
        st.error(result["error"])
        return
    if mode == "Ask":
        show_answer(kbase, result["answer"], key)
    elif mode == "Quote":
        show_quotes(kbase, result, key)
    elif mode == "Cross-check":
        show_verdict(kbase, result["verdict"], key)
    else:
        show_comparison(kbase, result["comparison"], key)
    if result.get(KINDS[mode]):  # take it away: a Word briefing and Markdown, references numbered
        downloads(kb.briefing_files(KINDS[mode], result[KINDS[mode]], result.get("title") or mode), f"{key}-brief")


def show_answer(kbase, answer: dict, key: str) -> None:
    if not answer["answered"]:
        st.warning(answer["answer"])
        if answer.get("related"):
            st.markdown("**Related reading** (nearest passages; they do not answer the question):")
            for i, c in enumerate(answer["related"]):
                source_card(kbase, None, c, [], f"{key}-rel{i}")
        return
    st.markdown(esc(answer["answer"]), unsafe_allow_html=True)
    for w in answer.get("warnings", []):
        st.caption(f"⚠ {w}")
    marks = kb.sentences_by_marker(answer["answer"])
    st.markdown("**Sources**")
    for c in answer["citations"]:
        source_card(kbase, c["n"], c, marks.get(c["n"], []), f"{key}-{c['n']}")


def show_quotes(kbase, result: dict, key: str) -> None:
    quotes = result["quotes"]
    if not quotes:
        st.warning("No verifiable quote on this topic in the documents.")
        return
    st.markdown(f"{len(quotes)} verified quote{'s' if len(quotes) > 1 else ''} (each checked character for "
                "character against the stored paragraph):")
    for i, q in enumerate(quotes):
        cite = {"passage_id": q["passage_id"], "text": q["text"], "reference": q["reference"],
                "short_reference": q.get("short_reference"), "doc_file": q["doc_file"]}
        with st.container(border=True):
            st.markdown(f"> “{esc(q['quote'])}”", unsafe_allow_html=True)
            st.code(f"“{q['quote']}” {q['reference']}", language=None, wrap_lines=True)
            with st.expander("The whole paragraph"):
                source_card(kbase, None, cite, [q["quote"]], f"{key}-q{i}", show_reference=False)
    downloads({f"quotes.{fmt}": data for fmt, data in result["exports"].items()}, key)


def show_verdict(kbase, verdict: dict, key: str) -> None:
    v = verdict["verdict"]
    st.markdown(f"### {VERDICT_ICON.get(v, '')} Overall: {v}")
    for i, d in enumerate(verdict["documents"]):
        icon = VERDICT_ICON.get(d["verdict"], "")
        with st.expander(f"{icon} {d['verdict']} — {d.get('title') or d['doc_file']}",
                         expanded=d["verdict"] in ("supports", "contradicts")):
            if d.get("reason"):
                st.caption(d["reason"])
            for j, e in enumerate(d["evidence"]):
                cite = {"passage_id": e["passage_id"], "text": e["text"], "doc_file": d["doc_file"],
                        "reference": e.get("reference", ""), "short_reference": e.get("reference", "")}
                source_card(kbase, None, cite, [], f"{key}-v{i}-{j}")


def show_comparison(kbase, comparison: dict, key: str) -> None:
    rows = comparison["rows"]
    if not rows:
        st.warning("No document treats this topic.")
        return
    for i, row in enumerate(rows):
        st.markdown(f"#### {esc(row.get('title') or row['doc_file'])}", unsafe_allow_html=True)
        cols = st.columns(max(1, len(row["passages"])))
        for j, (col, p) in enumerate(zip(cols, row["passages"])):
            with col:
                cite = {"passage_id": p["passage_id"], "text": p["text"], "doc_file": row["doc_file"],
                        "reference": p.get("reference", ""), "short_reference": p.get("reference", "")}
                source_card(kbase, None, cite, [], f"{key}-c{i}-{j}")


# ---------------------------------------------------------------- sidebar
def sidebar_filters(kbase) -> kb.Filters:
    docs = kbase.documents() if kbase else []
    st.sidebar.subheader("Filters")
    if not docs:
        return kb.Filters()
    labels = {d.doc_id: f"{d.short_title or d.title or d.file} ({d.year or 'n.d.'})" for d in docs}
    chosen = st.sidebar.multiselect("Documents", list(labels), format_func=labels.get, key="f-docs")
    publishers = sorted({d.publisher for d in docs if d.publisher})
    pubs = st.sidebar.multiselect("Publisher", publishers, key="f-pubs")
    kinds = sorted({d.kind for d in docs if d.kind})
    kind_sel = st.sidebar.multiselect("Kind", kinds, key="f-kinds")
    years = sorted({d.year for d in docs if d.year})
    year_min = year_max = None
    if len(years) > 1:
        lo, hi = st.sidebar.slider("Years", years[0], years[-1], (years[0], years[-1]), key="f-years")
        if (lo, hi) != (years[0], years[-1]):
            year_min, year_max = lo, hi
    languages = sorted({d.language for d in docs if d.language})
    langs = st.sidebar.multiselect("Language", languages, key="f-langs") if len(languages) > 1 else []
    every = st.sidebar.checkbox("Also superseded versions", key="f-versions",
                                help="Search documents that a later revision (/Rev.N) replaces as well")
    return kb.Filters(docs=tuple(chosen), publishers=tuple(pubs), kinds=tuple(kind_sel),
                      year_min=year_min, year_max=year_max, all_versions=every, languages=tuple(langs))


def sidebar_status(kbase) -> None:
    st.sidebar.divider()
    if kbase is None:
        st.sidebar.caption(f"No knowledge base yet at `{settings().kb_dir}`.")
        return
    m = kbase.store.manifest
    docs = kbase.store.documents()  # read now: another tab or `kb ingest` may have changed the store
    n_docs, n_passages = len(docs), sum(kbase.store.passage_counts().values())
    st.sidebar.caption(f"Knowledge base `{kbase.store.path}`  \n{n_docs} document{'' if n_docs == 1 else 's'}, "
                       f"{n_passages} passage{'' if n_passages == 1 else 's'}  \nModel: `{m.get('model')}`  \n"
                       f"Index: {kbase.store.description}")


# ---------------------------------------------------------------- pages
def chat_page(kbase) -> None:
    st.title("kb — cited answers from your policy papers")
    if kbase is None or not kbase.documents():
        st.info("The knowledge base is empty. Open **Library** in the sidebar to upload PDF, TXT or Markdown "
                f"papers, or run `kb ingest FOLDER --kb {settings().kb_dir}` in a terminal.")
        return
    mode = st.sidebar.radio("Mode", list(MODES), key="mode", captions=list(MODES.values()))
    filters = sidebar_filters(kbase)
    history = st.session_state.setdefault("history", [])
    for i, turn in enumerate(history):
        with st.chat_message("user"):
            st.markdown(f"*{turn['mode']}* — {esc(turn['query'])}", unsafe_allow_html=True)
        with st.chat_message("assistant"):
            show_result(kbase, turn["mode"], turn["result"], f"h{i}")
    query = st.chat_input(PLACEHOLDER[mode])
    if query:
        with st.chat_message("user"):
            st.markdown(f"*{mode}* — {esc(query)}", unsafe_allow_html=True)
        with st.chat_message("assistant"):
            with st.spinner("Searching the documents…"):
                try:
                    result = run_mode(kbase, mode, query, filters) | {"title": query}
                except kb.KBError as exc:
                    result = {"error": str(exc)}
            show_result(kbase, mode, result, f"h{len(history)}")
        history.append({"mode": mode, "query": query, "result": result})
    if history and st.sidebar.button("Clear conversation"):
        st.session_state["history"] = []
        st.rerun()


def library_page(kbase) -> None:
    st.title("Library")
    kb_dir = settings().kb_dir
    docs = kbase.documents() if kbase else []
    if docs:
        counts = kbase.store.passage_counts() if hasattr(kbase.store, "passage_counts") else {}
        st.dataframe(
            [{"title": d.title, "year": d.year, "symbol": d.symbol or "", "publisher": d.publisher or "",
              "kind": d.kind or "", "pages": str(d.pages) if d.pages else "—", "passages": counts.get(d.doc_id),
              "file": d.file} for d in docs],
            hide_index=True, width="stretch",
            column_config={"title": st.column_config.TextColumn(width="medium"),
                           "publisher": st.column_config.TextColumn(width="small"),
                           "kind": st.column_config.TextColumn(width="small"),
                           "file": st.column_config.TextColumn(width="small"),
                           "pages": st.column_config.TextColumn(help="PDF pages; — for text files")})
    else:
        st.info("No documents yet. Upload papers below, or run `kb ingest FOLDER` in a terminal.")
    for kind, text in st.session_state.pop("library-messages", []):  # the outcome of the last ingest or removal
        (st.error if kind == "error" else st.success)(text)
    st.subheader("Add papers")
    files = _uploaded_files()
    if files and st.button("Ingest uploaded files", type="primary"):
        bar = st.progress(0.0, text="Ingesting…")
        results = st.container()

        def on_file(done: int, total: int, name: str, outcome: str) -> None:
            bar.progress(min(done / max(total, 1), 1.0), text=f"{done}/{total}: {name}")
            (results.error if outcome.startswith("skipped") else results.success)(f"{name}: {outcome}")

        lines: list[tuple[str, str]] = []
        try:
            report = kb.add_files([(f.name, f.getvalue()) for f in files], settings=settings(),
                                  embedder=kbase.embedder if kbase else None, on_file=on_file)
            lines = [("error", f"{name}: skipped: {why}") for name, why in report.skipped]
            lines.append(("success", report.summary()))
        except kb.KBError as exc:
            lines = [("error", str(exc))]
        st.session_state["library-messages"] = lines  # shown after the rerun, which ends the greyed-out page
        st.session_state["uploader-round"] = st.session_state.get("uploader-round", 0) + 1
        bump_generation(kb_dir)
        st.rerun()
    if docs:
        st.subheader("Remove a document")
        labels = {d.doc_id: f"{d.title or d.file} — {d.file}" for d in docs}
        victim = st.selectbox("Document", list(labels), format_func=labels.get, key="remove-doc", index=None,
                              placeholder="Choose the document to remove")
        if victim is not None:
            n = counts.get(victim, 0)
            sure = st.checkbox(f"Yes, remove {labels[victim]} and its {n} passage{'' if n == 1 else 's'} "
                               "from the knowledge base", key=f"remove-sure-{victim}")
            if st.button("Remove from the knowledge base", disabled=not sure):
                try:
                    kb.remove_document(victim, settings=settings())
                    st.session_state["library-messages"] = [("success", f"Removed {labels[victim]}")]
                    bump_generation(kb_dir)
                    st.rerun()
                except kb.KBError as exc:
                    st.error(str(exc))


def _uploaded_files() -> list:
    """The files in the uploader. The type check is kb's own (kb.check_upload, a one-line reason per
    file): Streamlit's `type=` check raises before the page runs on a name it refuses (a NUL byte),
    which would replace the whole page with a traceback."""
    round_ = st.session_state.get("uploader-round", 0)  # a new key empties the uploader after an ingest
    return st.file_uploader("PDF, TXT or Markdown files (.pdf, .txt, .md, .markdown)", accept_multiple_files=True,
                            key=f"uploader-{round_}") or []


def main() -> None:
    st.set_page_config(page_title="kb — policy papers", page_icon="📚", layout="wide")
    st.markdown("<style>mark{background:#fde68a;padding:0 2px}.kb-passage{line-height:1.5}"
                ".kb-context{color:#555;border-left:3px solid #ddd;padding-left:8px;margin:6px 0}</style>",
                unsafe_allow_html=True)
    page = st.sidebar.radio("Page", ["Chat", "Library"], key="page", horizontal=True)
    try:
        kbase = current_kb()
    except kb.KBError as exc:
        st.error(str(exc))
        kbase = None
    if page == "Chat":
        chat_page(kbase)
    else:
        library_page(kbase)
    sidebar_status(kbase)


main()
