"""Connecting to PostgreSQL, and the address and vector forms its messages and queries use."""

from __future__ import annotations

import numpy as np

from kb.errors import StoreError


def connect(url: str):
    import psycopg
    from psycopg.rows import dict_row

    try:
        return psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=10)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"cannot connect to the PostgreSQL store {redact(url)} ({first}); check KB_STORE "
                         "and that the server is running") from None


def redact(url: str) -> str:
    """The address without its password, for messages."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001  (an unparsable address is reported as it is, minus nothing)
        return repr(url.split("@")[-1])
    return f'"postgres://{info.get("user", "")}@{info.get("host", "")}:{info.get("port", 5432)}/{info.get("dbname", "")}"'


def vector_literal(v: np.ndarray) -> str:
    """pgvector's text form; float32 values written so that they read back bit for bit."""
    return "[" + ",".join(repr(float(x)) for x in np.asarray(v, dtype=np.float32)) + "]"
