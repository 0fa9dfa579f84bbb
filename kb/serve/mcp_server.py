"""`kb mcp`: the knowledge base as MCP tools (search, ask, quote, check, compare) for AI
assistants, over stdio or streamable HTTP (the `mcp` package). Each tool returns the CLI's JSON,
and every passage in it carries its full and short reference, so an assistant can cite
"UNCTAD (1999), TD/B/COM.3/22, para. 18, p. 6"."""

from __future__ import annotations

from typing import Any

from kb.config import Settings
from kb.serve import service as ops

INSTRUCTIONS = ("Search and cite the documents of this knowledge base (policy papers, UN documents). Quote only "
                "from the returned passages and give their 'reference' with every claim you take from them.")


def _with_references(kbase, result: dict) -> dict:
    """Search hits get their references (the other operations carry them already)."""
    from kb.answers.cite import full_reference, short_reference

    for hit in result.get("hits", []):
        p, d = kbase.passage(hit["passage_id"])
        hit["reference"], hit["short_reference"] = full_reference(d, p), short_reference(d, p)
    return result


def build(settings: Settings, workers: int = 2):
    """The MCP server over the knowledge base in `settings.kb_dir`."""
    from mcp.server.mcpserver import MCPServer

    svc = ops.Service(settings, workers=workers)
    server = MCPServer("kb", instructions=INSTRUCTIONS)

    def call(fn: Any, q: str, k: int | None, doc: list[str] | None) -> dict:
        kbase = svc.knowledge_base()
        return _with_references(kbase, fn(kbase, q, k, ops.filters_of(doc)))

    @server.tool(description="Hybrid search: the passages that best match a question, each with its reference.")
    def search(question: str, k: int = 10, doc: list[str] | None = None) -> dict:
        return call(ops.op_search, question, k, doc)

    @server.tool(description="A short answer whose sentences cite numbered sources, or 'not in the documents'.")
    def ask(question: str, k: int = 5, doc: list[str] | None = None) -> dict:
        return call(ops.op_ask, question, k, doc)

    @server.tool(description="Verbatim quotes on a topic, verified character for character, with references.")
    def quote(topic: str, k: int = 5, doc: list[str] | None = None) -> dict:
        return call(ops.op_quote, topic, k, doc)

    @server.tool(description="Check a claim against every document: supports, contradicts, unclear or not "
                             "addressed, with the deciding passages.")
    def check(claim: str, doc: list[str] | None = None) -> dict:
        return call(ops.op_check, claim, None, doc)

    @server.tool(description="What each document says on a topic: its most relevant passages, cited.")
    def compare(topic: str, k: int = 2, doc: list[str] | None = None) -> dict:
        return call(ops.op_compare, topic, k, doc)

    return server
