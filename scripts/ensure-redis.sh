#!/bin/sh
# The distributed-crawl tests and benchmark start their own redis-server on 127.0.0.1
# (a free port, no persistence). Install Debian's redis-server when it is missing and we
# are root; otherwise explain (those tests then skip, except in CI where they fail).
set -eu
if command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-redis: redis-server missing; install it with: sudo apt-get install redis-server" >&2
    exit 0
fi
echo "ensure-redis: installing redis-server with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server >/dev/null; }; then
    echo "ensure-redis: apt-get could not install redis-server" >&2
    exit 0
fi
# the package may start a system-wide server on port 6379: newswatch never uses it
(command -v service >/dev/null 2>&1 && service redis-server stop >/dev/null 2>&1) || true
exit 0
