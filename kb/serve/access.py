"""API keys: read-only and read-write, from KB_API_KEYS ("rw:KEY,ro:KEY") or a file
(KB_API_KEYS_FILE, one "rw KEY" or "ro KEY" per line), compared in constant time."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from pathlib import Path

from kb.errors import ConfigError

ROLES = ("ro", "rw")


@dataclass(frozen=True)
class Keys:
    """The configured keys; with none, reads are open and writes refused."""

    keys: tuple[tuple[str, str], ...] = ()  # (role, key)

    @classmethod
    def load(cls, spec: str = "", file: str = "") -> Keys:
        pairs: list[tuple[str, str]] = []
        entries = [e for e in spec.replace(";", ",").split(",") if e.strip()]
        if file:
            try:
                lines = Path(file).read_text(encoding="utf-8").splitlines()
            except OSError as err:
                raise ConfigError(f"cannot read the API key file {file} ({err.strerror}); fix KB_API_KEYS_FILE") from None
            entries += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
        for n, entry in enumerate(entries, start=1):
            m = re.fullmatch(r"\s*(ro|rw)\s*[:\s]\s*(\S+)\s*", entry)
            if m is None or len(m.group(2)) < 8:
                raise ConfigError(f"API key entry {n} is not 'ro:KEY' or 'rw:KEY' with a key of 8 or more characters "
                                  "and no spaces; fix KB_API_KEYS or KB_API_KEYS_FILE")
            pairs.append((m.group(1), m.group(2)))
        return cls(tuple(pairs))

    @property
    def enabled(self) -> bool:
        return bool(self.keys)

    def role(self, given: str | None) -> str | None:
        """'rw', 'ro' or None for a presented key; every configured key is compared, so the time
        taken does not say which one nearly matched."""
        found = None
        for role, key in self.keys:
            if hmac.compare_digest((given or "").encode(), key.encode()) and found != "rw":
                found = role
        return found
