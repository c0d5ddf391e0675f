"""Imported at start-up by every Python child of the test suite: see loopback_guard.py."""

import os

if os.environ.get("NEWSWATCH_TESTS_LOOPBACK_ONLY") == "1":
    import loopback_guard

    loopback_guard.install()
