"""Scrapy settings: polite by default (robots.txt, AutoThrottle, per-domain limits,
an honest User-Agent), bounded everywhere (timeouts, retries, sizes, depth)."""

import os

from scraper.discovery import commoncrawl, gdelt, wayback

BOT_NAME = "newswatch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

CONTACT = os.environ.get("NEWSWATCH_CONTACT", "https://github.com/newswatch-monitor/newswatch#crawler")
USER_AGENT = f"newswatch/0.1 (news-coverage monitor; +{CONTACT})"

ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0

DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 10
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_MAXSIZE = 15 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 3
DEPTH_PRIORITY = 1
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {"scraper.crawling.pipelines.ArticlePipeline": 300}
DOWNLOADER_MIDDLEWARES = {
    # outlets only, before robots.txt (100) and redirects (600)
    "scraper.crawling.middlewares.offsite_guard.OffsiteGuardMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    # Scrapy's, fixed for requests that wait for robots.txt
    "scraper.crawling.middlewares.robots_txt.RobotsTxtMiddleware": 100,
    # waits out Retry-After before RetryMiddleware (550) retries
    "scraper.crawling.middlewares.retry_after.RetryAfterMiddleware": 555,
    "scraper.crawling.middlewares.conditional_get.ConditionalGetMiddleware": 580,
    # Scrapy's, without decoding the whole body in the crawl process
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "scraper.crawling.middlewares.meta_refresh.MetaRefreshMiddleware": 580,
    # GDELT, the Wayback Machine, Common Crawl: 429 and 5xx retried with back-off (before Scrapy's retry)
    "scraper.crawling.middlewares.service_backoff.ServiceBackoffMiddleware": 545,
    # NEWSWATCH_PROXY on every request, before Scrapy's proxy middleware (750) reads it
    "scraper.crawling.middlewares.proxy.ProxyMiddleware": 740,
}
EXTENSIONS = {"scraper.crawling.progress.LiveProgress": 500}
# a failing URL is asked RETRY_TIMES + 1 times at most (no hidden retry below Scrapy's)
DOWNLOAD_HANDLERS = {"http": "scraper.crawling.download.CountedRetriesHandler",
                     "https": "scraper.crawling.download.CountedRetriesHandler"}
# one frontier per crawl: one duplicate filter on canonical URLs for every strategy
REQUEST_FINGERPRINTER_CLASS = "scraper.crawling.frontier.CanonicalRequestFingerprinter"
DUPEFILTER_CLASS = "scraper.crawling.frontier.CanonicalDupeFilter"

# newswatch's own settings (set by `newswatch crawl`; overridable with -s on `scrapy crawl`)
NEWSWATCH_DB = "data/articles.db"
NEWSWATCH_SOURCES = "sources.toml"
NEWSWATCH_WATCHLIST = "watchlist.toml"
NEWSWATCH_MAX_PAGES_PER_OUTLET = 300  # link-following budget per outlet
NEWSWATCH_MAX_SEARCH_PAGES = 5  # result pages followed per query
NEWSWATCH_MAX_SITEMAP_URLS = 500  # article URLs taken from one sitemap file
NEWSWATCH_PROGRESS = False
NEWSWATCH_EXTRACT_WORKERS = None  # extraction processes (default: one per core; 0 = in the crawl process)
NEWSWATCH_SINCE = ""  # YYYY-MM-DD: feed items and sitemap entries older than this are not fetched
NEWSWATCH_RETRY_AFTER_MAX = 30  # seconds: a longer Retry-After is not waited for (nor retried)
NEWSWATCH_ARCHIVE = True  # keep every stored page as fetched, in WARC files (`--no-archive`: off)
NEWSWATCH_ARCHIVE_DIR = ""  # default: warc/ beside the database
NEWSWATCH_ARCHIVE_MAX_BYTES = 1_000_000_000  # a WARC file is closed before it grows past this
NEWSWATCH_ARCHIVE_KEEP_DAYS = 0  # > 0: after a run, files older than this that no row needs are removed
NEWSWATCH_SINK = "scraper.crawling.sinks.StoreSink"  # where kept articles go (a distributed worker: Redis)
NEWSWATCH_VALIDATORS = "scraper.crawling.validators.StoreValidators"  # where conditional GET finds them

# discovery and backfill (issue 19): every endpoint is the real service unless set otherwise
NEWSWATCH_PROXY = ""  # http://host:port: every request goes through this proxy (plain HTTP at least)
NEWSWATCH_GDELT_ENDPOINT = gdelt.GDELT_DOC_ENDPOINT
NEWSWATCH_GDELT_INTERVAL = gdelt.MIN_INTERVAL  # seconds between GDELT requests (its published limit: 5)
NEWSWATCH_CDX_ENDPOINT = wayback.CDX_ENDPOINT
NEWSWATCH_WAYBACK_REPLAY = wayback.REPLAY_BASE
NEWSWATCH_CDX_INTERVAL = 3.0  # seconds between Wayback CDX searches (its hard limit: 24 a minute)
NEWSWATCH_WAYBACK_INTERVAL = 1.0  # seconds between Wayback replays (a separate limit)
NEWSWATCH_CC_INDEX = commoncrawl.INDEX_BASE
NEWSWATCH_CC_DATA = commoncrawl.DATA_BASE
NEWSWATCH_CC_INTERVAL = 1.0  # seconds between requests to Common Crawl's index and data servers
NEWSWATCH_DISCOVERY_BACKOFF = 5.0  # first wait (seconds) before retrying a 429 or 5xx from a service; doubles
NEWSWATCH_DISCOVERY_RETRIES = 4  # retries of one service request before its window is counted as failed
NEWSWATCH_DISCOVERY_SINCE = ""  # YYYY-MM-DD: the backfill's range (GDELT windows, archive captures)
NEWSWATCH_DISCOVERY_UNTIL = ""  # YYYY-MM-DD, inclusive (default: today)
NEWSWATCH_RESCUE = False  # a known article now gone (404, 410, sent home) is fetched from the Wayback Machine
