#!/bin/sh
# Make sure Debian's headless Chromium and its driver are installed, for the browser
# tests (tests/test_browser.py). Does nothing when both are there; installs them with
# apt-get when run as root; otherwise explains and exits 0 (the tests then skip).
set -eu

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "ensure-chromium: /usr/bin/chromium or /usr/bin/chromedriver missing and not root;" \
         "install them with: sudo apt-get install chromium chromium-driver (browser tests will skip)" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: no apt-get here; install Chromium and chromedriver by hand (browser tests will skip)" >&2
    exit 0
fi
echo "ensure-chromium: installing chromium and chromium-driver with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; }; then
    echo "ensure-chromium: apt-get could not install chromium (browser tests will skip)" >&2
fi
exit 0
