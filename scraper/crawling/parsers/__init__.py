"""Pure parsers the spiders navigate with: feeds, sitemaps, page links (bytes in, values out)."""
