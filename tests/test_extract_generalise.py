"""Main-text rules meant for pages nobody tuned them on: generic wording and layout, several languages."""

from __future__ import annotations

import pytest

from scraper.extract import extract_article
from scraper.extract.lines import clean_lines, link_key

STORY = (
    "The council voted on Tuesday to keep the harbour ferry running through the winter, after a "
    "petition signed by more than four thousand residents asked it to reverse last year's cuts. "
)


@pytest.mark.parametrize(
    "line",
    [
        "Lea también: Impiden ingreso a reportero",
        "LE PUEDE INTERESAR: La ficha del candidato",
        "VEA TAMBIÉN: Estrella de la educación",
        "Auch lesen:",
        "Das Thema könnte dich auch interessieren:",
        "Mehr Themen:",
        "À lire aussi – La réforme des retraites",
        "Czytaj też: Nowe przepisy",
        "Siguenos en Telegram, Instagram, Facebook y Twitter",
        "For the latest stories and breaking news updates download the Courier apps for iOS and Android.",
        "¿Ya sabías que tenemos canal de Telegram? Únete desde tu celular",
        "To view the full story, please subscribe to The Courier.",
        "If you’re seeing this message but you’re already a subscriber, you can log in.",
        "Sie sind aktuell nicht eingeloggt.",
        "Wird geladen …",
        "Crédits photos : Agence",
        "Inhaltsverzeichnis",
        "Kategorien",
        "Materiał chroniony prawem autorskim. Wszelkie prawa zastrzeżone.",
        "Es werden die Artikel 1 bis 10 von insgesamt 19 angezeigt!",
        "Marco Odermatt, Ski-Star aus der Schweiz. © AFP / Fotograf Name",
    ],
)
def test_furniture_lines_dropped(line):
    assert clean_lines(f"{STORY}\n\n{line}\n\n{STORY}") == f"{STORY.strip()}\n\n{STORY.strip()}"


@pytest.mark.parametrize(
    "line",
    [
        "Lea: Ich denke, das war der richtige Moment, um aufzuhören.",  # an interview answer, not "read"
        "Mehr als dreihundert Menschen kamen zur Versammlung am Hafen.",
        "Die Kategorien des Wettbewerbs wurden in diesem Jahr neu geordnet.",
    ],
)
def test_running_text_with_the_same_words_kept(line):
    assert line in clean_lines(f"{STORY}\n\n{line}")


def test_labelled_headline_link_dropped_but_not_a_long_lead_in():
    links = {link_key("Ferry timetable changes for winter"), link_key("Haltet unsere Gewässer sauber!")}
    text = (
        f"{STORY}\n\nLEA MÁS: Ferry timetable changes for winter\n\n"
        "Gestalte ein Plakat unter dem Motto: Haltet unsere Gewässer sauber!"
    )
    assert clean_lines(text, links=links).split("\n\n") == [
        STORY.strip(),
        "Gestalte ein Plakat unter dem Motto: Haltet unsere Gewässer sauber!",
    ]


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Ferry saved</title>
<meta name="description" content="Four thousand signatures changed the council's mind.">
</head><body><nav><a href="/">Home</a></nav>
<aside class="teasers"><p class="teaser">Another story entirely, teased here with enough words to look real.</p></aside>
<article><header><h1>Ferry saved for the winter</h1>
<p class="article__intro">Four thousand signatures changed the council’s mind about the harbour ferry.</p>
<figure><img src="a.jpg"><figcaption class="summary">The ferry at dawn, seen from the old pier wall.</figcaption>
</figure></header>
<div class="article-body"><p>{story}</p><p>{story}</p><p>{story}</p></div></article>
<footer>Contact us</footer></body></html>"""


def test_standfirst_between_headline_and_story_is_text():
    text = extract_article(PAGE.format(story=STORY), "https://courier.example/ferry")["text"]
    lead = "Four thousand signatures changed the council’s mind about the harbour ferry."
    assert text.startswith(f"{lead}\n\nThe council")
    assert "Another story entirely" not in text and "The ferry at dawn" not in text
