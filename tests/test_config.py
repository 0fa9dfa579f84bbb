"""Settings: defaults, environment overrides, clear errors, and documentation."""

from __future__ import annotations

import pytest
from conftest import ROOT

from kb.config import Settings, settings_help
from kb.errors import ConfigError


def test_environment_overrides_defaults(monkeypatch):
    """This test ensures that KB_* variables override defaults and flags override both."""
    monkeypatch.setenv("KB_DIR", "/tmp/somewhere")
    monkeypatch.setenv("KB_K", "7")
    s = Settings.load()
    assert (s.kb_dir, s.k) == ("/tmp/somewhere", 7)
    assert Settings.load(k=3, kb_dir=None).k == 3, "an explicit flag wins; None means 'not given'"


def test_bad_environment_value_names_the_variable(monkeypatch):
    """This test ensures that a malformed variable is a one-line error naming it."""
    monkeypatch.setenv("KB_K", "ten")
    with pytest.raises(ConfigError, match="KB_K='ten'"):
        Settings.load()


def test_settings_are_documented():
    """This test ensures that every setting's variable appears in the README."""
    readme = (ROOT / "README.md").read_text()
    missing = [var for var, _, _ in settings_help() if f"`{var}`" not in readme]
    assert not missing, f"document these settings in README.md: {missing}"
