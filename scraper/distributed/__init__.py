"""Distributed crawling: many worker processes, on one or more machines, share one crawl
frontier in Redis (scrapy-redis's scheduler, queue and duplicate filter) and hand their
articles to a single writer (`newswatch ingest`) that owns the SQLite database."""
