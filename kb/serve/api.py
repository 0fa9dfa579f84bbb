"""`kb serve`: the HTTP API (FastAPI). The same operations and JSON as the CLI's `--json`:
GET /search, /ask, /quote, /check, /compare (q, k and the filters as query parameters),
/documents, /passages/{id}, /passages/{id}/page.png; POST /documents (multipart upload,
read-write key) and DELETE /documents/{doc} (read-write key); /health; the OpenAPI schema at
/openapi.json (browsable at /docs). Errors are JSON {"error": one line} with a fitting status:
400 bad query, 401 / 403 keys, 404 unknown passage or document, 409 a write already running,
413 an upload too large, 504 past the time limit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from kb.config import Settings
from kb.errors import KBError, NotFoundError, StoreError
from kb.serve import service as ops
from kb.serve.access import Keys

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_FILES = 20  # files in one upload request
OPTIONS_ENV = "KB_SERVE_OPTIONS"  # create_app's options as JSON, for the processes of `kb serve --processes N`


class _Refused(KBError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _status(exc: KBError) -> int:
    if isinstance(exc, _Refused):
        return exc.status
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ops.Busy) or (isinstance(exc, StoreError) and "is writing to" in str(exc)):
        return 409  # a write running here, or a `kb ingest` holding the store's writer lock
    if isinstance(exc, ops.TimedOut):
        return 504
    return 500 if isinstance(exc, StoreError) else 400


def _role(request: Request) -> str | None:
    """The caller's role from its key ('rw' or 'ro'); 401 without a valid one when keys are set."""
    keys: Keys = request.app.state.keys
    given = request.headers.get("x-api-key")
    auth = request.headers.get("authorization", "")
    if not given and auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    if not keys.enabled:
        return "ro"  # no keys configured: reads are open (bound to localhost by default), writes refused
    found = keys.role(given)
    if found is None:
        raise _Refused(401, "a valid API key is needed: send it as 'Authorization: Bearer KEY' or 'X-API-Key'")
    return found


def _writer(request: Request) -> str:
    if _role(request) != "rw" or not request.app.state.keys.enabled:
        raise _Refused(403, "this needs a read-write key (set KB_API_KEYS=rw:KEY on the server and send it)")
    return "rw"


Reader = Annotated[str | None, Depends(_role)]
Writer = Annotated[str, Depends(_writer)]
Uploads = Annotated[list[UploadFile], File(description="PDF, text or Markdown files")]
Question = Annotated[str, Query(description="the question, topic or claim")]
Count = Annotated[int | None, Query(description="how many hits, sources, quotes or passages per document")]
Docs = Annotated[list[str] | None, Query(description="only this document (file name, symbol or id); repeatable")]
Words = Annotated[list[str] | None, Query(description="repeatable")]
Year = Annotated[int | None, Query()]


def create_app(settings: Settings, keys: Keys | None = None, workers: int = 4, timeout: float = 60.0,
               cors_origins: tuple[str, ...] = (), max_upload_bytes: int = MAX_UPLOAD_BYTES) -> FastAPI:
    """The API over the knowledge base in `settings.kb_dir`."""
    keys = keys or Keys()
    svc = ops.Service(settings, workers=workers, timeout=timeout)
    app = FastAPI(title="kb", version="1", description="A citable knowledge base for policy papers: search, "
                  "cited answers, verified quotes, claim cross-checks and comparisons.")
    app.state.service, app.state.keys = svc, keys
    if cors_origins:  # off unless asked for
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "X-API-Key"])

    @app.middleware("http")
    async def _guard_writes(request: Request, call_next):
        """Keys and size of a write are checked before its body is read (FastAPI would read and spool
        the whole upload before any dependency runs)."""
        if request.method in ("POST", "DELETE", "PUT", "PATCH"):
            try:
                _writer(request)
                size = int(request.headers.get("content-length", "-1"))
            except _Refused as exc:
                return JSONResponse({"error": str(exc)}, status_code=exc.status)
            except ValueError:
                size = -1
            if request.method == "POST" and size < 0:
                return JSONResponse({"error": "an upload needs a Content-Length header"}, status_code=411)
            if size > MAX_FILES * max_upload_bytes:
                return JSONResponse({"error": f"the request is larger than {MAX_FILES} files of the largest size "
                                              "allowed; send fewer or smaller files"}, status_code=413)
        return await call_next(request)

    @app.exception_handler(KBError)
    async def _kb_error(request: Request, exc: KBError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=_status(exc))

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x not in ("query", "path", "body"))
        return JSONResponse({"error": f"{where or 'request'}: {first.get('msg', 'invalid')}"}, status_code=400)

    def _query_route(path: str, fn: Any, summary: str) -> None:
        async def route(_: Reader, q: Question, k: Count = None, doc: Docs = None, publisher: Words = None,
                        kind: Words = None, year_min: Year = None, year_max: Year = None, language: Words = None,
                        all_versions: bool = False) -> dict:
            filters = ops.filters_of(doc, publisher, kind, year_min, year_max, language, all_versions)
            if fn is ops.op_search:
                return await svc.search(q, k, filters)
            return await svc.run(fn, q, k, filters)

        app.get(path, summary=summary)(route)

    _query_route("/search", ops.op_search, "hybrid search: ranked passages with their citation fields")
    _query_route("/ask", ops.op_ask, "a short answer with numbered citations, or 'not in the documents'")
    _query_route("/quote", ops.op_quote, "verbatim, verified quotes with references")
    _query_route("/check", ops.op_check, "a claim checked against every document")
    _query_route("/compare", ops.op_compare, "what each document says on a topic")

    @app.get("/health", summary="liveness, and the store's counts")
    async def health(_: Reader) -> dict:
        manifest = await svc.run(lambda kbase: dict(kbase.store.manifest))
        return {"ok": True, "documents": manifest.get("documents"), "passages": manifest.get("passages"),
                "model": manifest.get("model")}

    @app.get("/documents", summary="the documents, as `kb docs --json`")
    async def documents(_: Reader) -> dict:
        return await svc.run(ops.op_documents)

    @app.get("/passages/{passage_id}", summary="one passage with its references, as `kb show --json`")
    async def passage(passage_id: str, _: Reader) -> dict:
        return await svc.run(ops.op_passage, passage_id)

    @app.get("/passages/{passage_id}/page.png", summary="the passage's PDF page with the passage highlighted",
             response_class=Response, responses={200: {"content": {"image/png": {}}}})
    async def page_image(passage_id: str, _: Reader, page: int | None = Query(None)) -> Response:
        return Response(await svc.run(ops.op_page_image, passage_id, page), media_type="image/png")

    @app.post("/documents", summary="ingest uploaded files (read-write key)")
    async def upload(_: Writer, files: Uploads) -> dict:
        from kb.library.manage import add_files

        if len(files) > MAX_FILES:
            raise _Refused(413, f"{len(files)} files in one request; send at most {MAX_FILES} at a time")
        pairs = []
        for f in files:
            data = await f.read(max_upload_bytes + 1)
            if len(data) > max_upload_bytes:
                raise _Refused(413, f'"{f.filename}" is larger than {max_upload_bytes // (1024 * 1024) or 1} MB; '
                               "split it or raise the server's --max-upload-mb")
            pairs.append((f.filename or "upload", data))
        report = await svc.write(lambda: add_files(pairs, settings=settings, embedder=svc.embedder(),
                                                   max_bytes=max_upload_bytes))
        return {"added": report.added, "updated": report.updated, "skipped": [list(s) for s in report.skipped],
                "summary": report.summary()}

    @app.delete("/documents/{doc:path}", summary="remove a document and its passages (read-write key)")
    async def remove(doc: str, _: Writer) -> dict:
        from kb.library.manage import remove_document

        await svc.write(lambda: remove_document(doc, settings))
        return {"removed": doc}

    return app


def from_environment() -> FastAPI:
    """The app of one `kb serve --processes N` process: settings from the environment, the
    server's options from KB_SERVE_OPTIONS."""
    import json
    import os

    settings = Settings.load()
    options = json.loads(os.environ.get(OPTIONS_ENV) or "{}")
    options["cors_origins"] = tuple(options.get("cors_origins", ()))
    return create_app(settings, Keys.load(settings.api_keys, settings.api_keys_file), **options)
