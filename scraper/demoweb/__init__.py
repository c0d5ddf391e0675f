"""The bundled demo news web: fictional outlets served on 127.0.0.1 for demos and end-to-end tests."""

from scraper.demoweb.content import DemoContent, load_demo_web
from scraper.demoweb.server import DemoWeb

__all__ = ["DemoContent", "DemoWeb", "load_demo_web"]
