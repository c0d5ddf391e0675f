"""python -m scraper.demoweb serve [--seconds N] | answer-key [--check] | sources"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scraper.demoweb.content import answer_key_json, load_demo_web, write_answer_key
from scraper.demoweb.server import DemoWeb
from scraper.errors import NewswatchError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scraper.demoweb", description="The bundled demo news web.")
    parser.add_argument("--root", type=Path, default=None, help="demo_web folder (default: the project's)")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the demo outlets on 127.0.0.1 and print their URLs")
    serve.add_argument("--seconds", type=float, default=3600, help="stop after N seconds (default 3600)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="first port (outlets get consecutive ports)")
    serve.add_argument("--sources-out", type=Path, help="also write a sources.toml for the demo outlets here")
    serve.add_argument("--archive", action="store_true",
                       help="also start the GDELT, Wayback and Common Crawl replicas and print the crawl settings")
    key = sub.add_parser("answer-key", help="(re)write demo_web/answer_key.json from the front matter")
    key.add_argument("--check", action="store_true", help="only check that the file is up to date")
    sub.add_parser("sources", help="print a sources.toml for the demo outlets (starts the servers briefly)")
    args = parser.parse_args(argv)

    try:
        if args.command == "answer-key":
            content = load_demo_web(args.root)
            target = content.root / "answer_key.json"
            if args.check:
                current = target.read_text(encoding="utf-8") if target.exists() else ""
                if current != answer_key_json(content):
                    print(f"{target} is out of date; run: python -m scraper.demoweb answer-key", file=sys.stderr)
                    return 1
                print(f"{target} is up to date")
                return 0
            path = write_answer_key(content)
            rows = content.answer_key()
            print(f"wrote {path}: {len(rows)} articles, {sum(r['relevant'] for r in rows)} relevant")
            return 0
        if args.command == "sources":
            with DemoWeb(root=args.root, max_seconds=5) as web:
                print(web.sources_toml(), end="")
            return 0
        web = DemoWeb(host=args.host, max_seconds=args.seconds, root=args.root, base_port=args.port)
    except (NewswatchError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with web:
        for slug, name, kind, base in web.outlets:
            count = len(web.content.articles.get(slug, []))
            print(f"{base}/  {name} ({kind}, {count} articles)")
        print(f"proxy {web.proxy_url} serves the outlets nobody listed:")
        for slug, name, _kind, base in web.unlisted:
            count = len(web.content.articles.get(slug, []))
            print(f"  {base}/  {name}" + (f" ({count} articles)" if count else " (generated pages)"))
        if args.archive:
            print("archive replicas (crawl settings):")
            for key, value in web.discovery_settings().items():
                print(f"  {key}={value}")
        if args.sources_out:
            args.sources_out.write_text(web.sources_toml(), encoding="utf-8")
            print(f"sources: {args.sources_out}")
        print(f"serving for {args.seconds:g} seconds; Ctrl-C to stop", flush=True)
        try:
            web.wait()
        except KeyboardInterrupt:
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
