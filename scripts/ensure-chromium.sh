#!/bin/sh
# Make sure Debian's headless Chromium and its driver are installed, for the browser
# tests (tests/test_browser.py). Does nothing when both are there; installs them with
# apt-get when run as root. Exits 1 when they are still missing after that, so a failed
# install is never silent; outside CI `make test` goes on and the browser tests skip
# with the reason, under CI (the CI variable set) `make test` stops here.
# CHROMIUM and CHROMEDRIVER override the paths checked (the tests of this script use them).
set -eu

chromium=${CHROMIUM:-/usr/bin/chromium}
chromedriver=${CHROMEDRIVER:-/usr/bin/chromedriver}
present() { [ -x "$chromium" ] && [ -x "$chromedriver" ]; }

if present; then
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "ensure-chromium: $chromium or $chromedriver missing and not root;" \
         "install them with: sudo apt-get install chromium chromium-driver (browser tests will skip, or fail under CI)" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: no apt-get here; install Chromium and chromedriver by hand" \
         "(browser tests will skip, or fail under CI)" >&2
    exit 1
fi
echo "ensure-chromium: installing chromium and chromium-driver with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; }; then
    echo "ensure-chromium: apt-get could not install chromium and chromium-driver" \
         "(browser tests will skip, or fail under CI)" >&2
    exit 1
fi
if ! present; then
    echo "ensure-chromium: apt-get ran but $chromium or $chromedriver is still missing" >&2
    exit 1
fi
exit 0
