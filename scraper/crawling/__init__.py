"""Scrapy plumbing: settings, the item, the pipeline, the extraction worker pool, the
progress table, downloader middlewares and the pure parsers spiders navigate with."""
