"""Downloader middlewares, one a file, each named for what it does."""
