#!/bin/sh
# The distributed-crawl tests and benchmark start their own redis-server on 127.0.0.1
# (a free port, no persistence). Install Debian's redis-server when it is missing and we
# are root. Exits 1 when it is still missing after that: outside CI `make test` goes on
# and those tests skip with the reason, under CI (the CI variable set) it stops here.
# REDIS_SERVER overrides the program looked for (the tests of these scripts use it).
set -eu
redis=${REDIS_SERVER:-redis-server}
present() { command -v "$redis" >/dev/null 2>&1 || [ -x "/usr/bin/$redis" ]; }

if present; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-redis: $redis missing; install it with: sudo apt-get install redis-server" >&2
    exit 1
fi
echo "ensure-redis: installing redis-server with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server >/dev/null; }; then
    echo "ensure-redis: apt-get could not install redis-server" >&2
    exit 1
fi
# the package may start a system-wide server on port 6379: newswatch never uses it
(command -v service >/dev/null 2>&1 && service redis-server stop >/dev/null 2>&1) || true
if ! present; then
    echo "ensure-redis: apt-get ran but $redis is still missing" >&2
    exit 1
fi
exit 0
