"""Meta refresh: Scrapy's middleware, reading only the first 4 KB as bytes.

Scrapy's reads `response.text[0:4096]`: the whole body is decoded (and, without a
declared charset, its encoding guessed from all of it) and the text kept on the response
while it waits for an extraction worker, which decodes the bytes itself: tens of MB in the
crawl process on real pages. A meta refresh sits in the head, in ASCII, so the first 4 KB
in the declared charset (else UTF-8, with replacement) is enough.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefreshMiddleware
from scrapy.http import HtmlResponse
from scrapy.utils.httpobj import urlparse_cached
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding
from w3lib.html import get_base_url, get_meta_refresh

HEAD_BYTES = 4096


def head_text(response) -> tuple[str, str]:
    """The first HEAD_BYTES of the body as text, and the encoding used."""
    head = response.body[:HEAD_BYTES]
    content_type = response.headers.get(b"Content-Type")
    encoding = (http_content_type_encoding(content_type.decode("latin-1") if content_type else None)
                or html_body_declared_encoding(head) or "utf-8")
    try:
        return head.decode(encoding, "replace"), encoding
    except LookupError:
        return head.decode("utf-8", "replace"), "utf-8"


class MetaRefreshMiddleware(ScrapyMetaRefreshMiddleware):
    def process_response(self, request, response, spider=None):
        if (request.meta.get("dont_redirect", False) or request.method == "HEAD"
                or not isinstance(response, HtmlResponse) or urlparse_cached(request).scheme not in {"http", "https"}):
            return response
        text, encoding = head_text(response)
        interval, url = get_meta_refresh(text, get_base_url(text, response.url, encoding), encoding,
                                         ignore_tags=self._ignore_tags)
        if not url:
            return response
        redirected = self._redirect_request_using_get(request, response, url)
        if urlparse_cached(redirected).scheme not in {"http", "https"}:
            return response
        if interval < self._maxdelay:
            return self._redirect(redirected, request, "meta refresh")
        return response
