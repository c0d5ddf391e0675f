"""Le Petit Écran: a French TV site; JSON-LD, lang="fr" and French visible dates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scraper.demoweb.content import Article
from scraper.demoweb.dates import fr_date, fr_datetime
from scraper.demoweb.templates.base import EN_LABELS, BaseTemplate, blocks_html, esc, join_names, json_ld

if TYPE_CHECKING:
    from scraper.demoweb.catalog import Listing

FR_LABELS: dict[str, str] = EN_LABELS | {
    "next": "Page suivante",
    "prev": "Page précédente",
    "no_results": "Aucun résultat",
    "search": "Rechercher",
    "search_placeholder": "Rechercher un article",
    "results_for": "Résultats de recherche pour",
    "results_count": "{n} résultats",
    "one_result": "1 résultat",
    "enter_query": "Saisissez un mot ou un nom pour chercher dans nos archives.",
    "most_read": "Les plus lus",
    "related": "À lire aussi",
    "latest": "Toute l'actualité",
    "more_latest": "Toute l'actualité",
    "advertisement": "Publicité",
    "comments": "Réactions",
    "newsletter": "Recevez notre newsletter",
    "newsletter_text": "L'essentiel de la télé chaque matin dans votre boîte mail.",
    "email": "Adresse e-mail",
    "subscribe": "Je m'inscris",
    "share": "Partager",
    "cookie": (
        "Nous utilisons des cookies pour mesurer l'audience, personnaliser les contenus et vous proposer "
        "des publicités adaptées. Vous pouvez modifier vos choix à tout moment."
    ),
    "accept": "Tout accepter",
    "manage": "Paramétrer",
    "about": "À propos",
    "contact": "Contact",
    "privacy": "Données personnelles",
    "terms": "Mentions légales",
    "page_of": "Page {page} sur {pages}",
    "not_found": "Page introuvable",
    "not_found_text": "La page que vous cherchez n'existe pas ou a été déplacée.",
    "home": "Accueil",
    "sections": "Rubriques",
    "rights": "Tous droits réservés.",
    "by": "Par",
    "and": "et",
    "updated": "Mis à jour le",
    "tags": "Mots-clés",
    "note": "À noter",
    "page": "Pagination",
}


class EcranTemplate(BaseTemplate):
    name = "ecran"
    feed_path = "/rss/"
    feed_format = "rss"
    page_style = "path"
    html_lang = "fr"
    labels = FR_LABELS

    def layout(self, *, title: str, main: str, head: str = "", body_class: str = "", lang: str | None = None) -> str:
        o = self.outlet
        return f"""<!doctype html>
<html lang="{lang or self.html_lang}">
<head>
<meta charset="utf-8">
<title>{esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:locale" content="fr_FR">
{head}
{self.head_links()}
</head>
<body class="{esc(body_class)}">
{self.cookie_banner().replace('class="cookie-banner"', 'class="bandeau-cookies cookie-banner"')}
<header class="entete">
<div class="entete__logo"><a href="/">{esc(o.name)}</a></div>
<p class="entete__slogan">{esc(o.tagline)}</p>
<nav class="rubriques" aria-label="Rubriques"><ul>
{self.section_nav()}
</ul></nav>
{self.search_form()}
</header>
<div class="pub pub--banniere">{self.ad("banniere")}</div>
<div class="page">
{main}
</div>
<footer class="pied">
{self.newsletter()}
<p class="pied__liens">{self.footer_links()}</p>
<p class="pied__copyright">© 2020 {esc(o.name)} – {esc(self.labels["rights"])}</p>
</footer>
</body>
</html>
"""

    def column(self, exclude: Article | None = None) -> str:
        return f"""<aside class="colonne">
{self.ad("pave")}
{self.most_read(exclude)}
{self.newsletter()}
</aside>"""

    def dates(self, article: Article) -> str:
        when = fr_date(article.day) if article.date_only else fr_datetime(article.published_at)
        out = f'<p class="article__date">Publié le {esc(when)}</p>'
        if article.modified_at:
            out += f'<p class="article__maj">Mis à jour le {esc(fr_datetime(article.modified_at))}</p>'
        return out

    def article_page(self, article: Article) -> str:
        urls, o = self.urls, self.outlet
        canonical = urls.abs_url(article.path)
        section = o.section_name(article.section)
        data = self.news_article_ld(
            article,
            inLanguage="fr-FR" if article.language == "fr" else article.language,
            image={"@type": "ImageObject", "url": urls.image_url(article), "width": 1200, "height": 675},
            articleSection=section,
            keywords=list(article.tags),
            mainEntityOfPage=canonical,
            publisher={"@type": "Organization", "name": o.name},
        )
        head = "\n".join([*self.article_meta(article, canonical), json_ld(data)])
        signature = (
            f'<p class="article__auteur">Par {esc(join_names(article.authors, "et"))}</p>' if article.authors else ""
        )
        tags = "".join(f"<li>{esc(t)}</li>" for t in article.tags)
        main = f"""<main class="contenu" id="contenu">
<article class="article">
<p class="article__rubrique"><a href="{esc(urls.section_href(article.section))}">{esc(section)}</a></p>
<h1 class="article__titre">{esc(article.title)}</h1>
<p class="article__chapo">{esc(article.description)}</p>
<div class="article__meta">
{signature}
{self.dates(article)}
</div>
{self.image_tag(article, "article__visuel")}
<div class="article__corps">
{blocks_html(article.blocks)}
</div>
<ul class="article__mots-cles">{tags}</ul>
{self.article_end(article)}
{self.column(article)}"""
        return self.layout(title=self.page_title(article.title), main=main, head=head, body_class="page-article",
                           lang=self.lang_of(article))

    def teaser_date(self, article: Article) -> str:
        return f'<p class="teaser-date">{esc(fr_date(article.day))}</p>'

    def listing_page(self, listing: Listing) -> str:
        o = self.outlet
        head = self.listing_meta(listing)
        title = f"{o.name} – {o.tagline}" if listing.kind == "home" else self.page_title(self.listing_heading(listing))
        main = f"""<main class="contenu liste" id="contenu">
{self.listing_main(listing)}
</main>
{self.column()}"""
        return self.layout(title=title, main=main, head=head, body_class=f"page-liste {listing.kind}")
