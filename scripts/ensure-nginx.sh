#!/usr/bin/env bash
# The crawl benchmark serves its generated site with nginx (a fast static server, so the
# server is not what we measure). Install Debian's nginx-light when missing and we are root;
# otherwise say so: the benchmark then falls back to Python's threaded server.
set -u
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing nginx-light for the crawl benchmark (Debian package)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null) \
    || echo "could not install nginx-light; the benchmark will use Python's http.server"
  # the package starts a system nginx on port 80: stop it, the benchmark runs its own on loopback
  (command -v service >/dev/null && service nginx stop >/dev/null 2>&1) || pkill -x nginx 2>/dev/null || true
else
  echo "nginx not installed and not root: the benchmark will use Python's http.server"
fi
exit 0
