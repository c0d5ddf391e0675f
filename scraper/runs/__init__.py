"""A crawl run as the user sees it: the lock, the ledger (one crawl_runs row, counters,
the finish with clustering and alerts), the local crawl, the schedule and the alerts."""
