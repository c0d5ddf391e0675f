"""Programs some tests need (redis-server, headless Chromium): without them those tests
skip with the reason, except under CI (the CI variable set), where a missing program
fails the suite with the same message instead of letting its tests vanish."""

from __future__ import annotations

import os

import pytest


def need(present: bool, what: str, how: str) -> None:
    """At a test module's top: skip the module when `what` is missing, or fail under CI."""
    if present:
        return
    message = f"{what} is missing: {how}"
    if os.environ.get("CI"):
        raise RuntimeError(f"{message} (CI is set: these tests must run, not skip)")
    pytest.skip(message, allow_module_level=True)
