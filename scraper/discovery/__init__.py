"""Open-web discovery and archive backfill: the pure core (issue 19).

Finding coverage wherever and whenever it was published means asking services that
are not news sites: GDELT's DOC 2.0 API (who published what, since 2017), the Wayback
Machine's CDX index and replay (what a site had, including pages it has since
deleted) and Common Crawl's index and WARC files. Each module here turns one
service's requests and answers into values -- URLs to fetch in, bytes to parse out --
and never opens a socket or reads the clock, so the crawl can drive them from its
single frontier and the tests can check every answer a service can give.

- `gdelt`: queries from the watchlist, window URLs, artlist parsing, window splitting.
- `wayback`: CDX queries and pages (resume keys), closest capture, replay URLs,
  archive notices, which dead links to rescue.
- `commoncrawl`: crawls in a date range, index queries and lines, Range reads of
  one WARC record.
- `outlets`: the outlet of a site nobody listed, and the [discovery] allow/block policy.
- `pacing`: one request every N seconds, retries with back-off and Retry-After.
- `untrusted`: discovered URLs are input from strangers; this says which are usable.
- `errors`: what a service answered instead of data.
"""
