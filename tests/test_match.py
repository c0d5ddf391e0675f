"""Tests for scraper.match: labelled articles, evidence fields, config errors, speed.

The labelled set lives in tests/fixtures/match/cases.toml (see its header); the two
real seed articles are read from shared/seeds when that folder is present.
"""

from __future__ import annotations

import json
import os
import textwrap
import time
import tomllib
from dataclasses import asdict, replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from scraper.errors import ConfigError, NewswatchError
from scraper.match import MatchResult, load_watchlist, match_article
from scraper.match.engine import relevance

ROOT = Path(__file__).resolve().parent.parent
WATCHLIST = ROOT / "watchlist.toml"
CASES = tomllib.loads((ROOT / "tests/fixtures/match/cases.toml").read_text(encoding="utf-8"))["case"]
SEEDS = Path(os.environ.get("NEWSWATCH_SEEDS", ROOT.parent / "shared" / "seeds"))
DOC = "Kim Kardashian West: The Justice Project"
PEOPLE = ["Dawn Jackson", "Alexis Martin", "Momolu Stewart", "David Sheppard"]


@pytest.fixture(scope="module")
def wl():
    return load_watchlist(WATCHLIST)


def run(case: dict, wl) -> MatchResult:
    return match_article(case["title"], case["text"], wl, language=case["language"] or None)


# --------------------------------------------------------------------------- labelled set


def test_labelled_set_is_big_and_varied():
    assert len(CASES) >= 40
    assert len({c["id"] for c in CASES}) == len(CASES)
    assert {c["language"] for c in CASES} >= {"en", "fr", "es", "de"}
    covered = {name for c in CASES for name in c["covers"]}
    assert covered == {DOC, *PEOPLE}
    assert sum(c["relevant"] for c in CASES) >= 15 and sum(not c["relevant"] for c in CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case, wl):
    result = run(case, wl)
    why = f"{case['note']} | relevance={result.relevance} rejected={result.rejected}"
    assert result.relevant == case["relevant"], why
    assert set(result.matched) == set(case["covers"]), why
    assert not set(result.matched) & set(case.get("not_covers", [])), why


def test_every_labelled_case_is_decided_as_labelled(wl):
    """The whole set at once (test_case above names the one that breaks): no false
    positive, no false negative, every entry list exact."""
    wrong = []
    for case in CASES:
        got = run(case, wl)
        if (got.relevant, set(got.matched)) != (case["relevant"], set(case["covers"])):
            wrong.append(case["id"])
    assert wrong == []


def test_no_homonym_is_matched_as_a_featured_person(wl):
    homonyms = [c for c in CASES if c.get("not_covers")]
    assert len(homonyms) >= 15
    for case in homonyms:
        result = run(case, wl)
        wrongly = set(result.matched) & set(case["not_covers"])
        assert not wrongly, (case["id"], wrongly)
        for name in case["not_covers"]:
            assert all(m.entry != name for m in result.mentions), case["id"]


def test_rejections_say_why(wl):
    by_id = {c["id"]: c for c in CASES}
    reasons = {
        "en-sheppard-district-attorney": "district attorney",
        "en-sheppard-cricketer-obit": "cricket",
        "en-sheppard-other-inmate": "case fact",
        "en-justice-project-nonprofit": "nearby",
    }
    for case_id, word in reasons.items():
        rejected = run(by_id[case_id], wl).rejected
        assert any(word in why for why in rejected.values()), (case_id, rejected)


# --------------------------------------------------------------------------- seeds


def seed_texts() -> list[str]:
    if not SEEDS.is_dir():
        return []
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


@pytest.mark.skipif(not seed_texts(), reason="shared/seeds not present")
def test_seed_articles_cover_everything(wl):
    texts = seed_texts()
    assert len(texts) >= 2
    for text in texts:
        result = match_article("", text, wl)
        assert result.relevant
        assert result.matched == [DOC, *PEOPLE]


@pytest.mark.skipif(not seed_texts(), reason="shared/seeds not present")
def test_reworded_seed_is_found_through_its_garbled_terms(wl):
    reworded = [t for t in seed_texts() if "The Justice Mission" in t]
    if not reworded:
        pytest.skip("reworded seed not present")
    result = match_article("", reworded[0], wl)
    terms = {m.entry: m.terms for m in result.mentions}
    assert "The Justice Mission" in terms[DOC]
    assert terms["Dawn Jackson"] == ["Daybreak Jackson"]
    # the lawyer's name is not read as Dawn Jackson's surname
    assert "Jessica Jackson" in terms and all("Sloane" not in t for t in terms["Dawn Jackson"])


# --------------------------------------------------------------------------- evidence


def test_positions_terms_and_snippets(wl):
    title = "Momolu Stewart is free"
    text = ("After 24 years in prison, Momolu Stewart walked out of a Washington, D.C. courthouse.\n\n"
            + "Supporters cheered. " * 30 + "\n\nMomolu thanked Kim Kardashian West and his lawyers.")
    result = match_article(title, text, wl, "en")
    assert result.matched == ["Momolu Stewart"]
    full = title + "\n\n" + text
    for mention in result.mentions:
        assert mention.count == len(mention.positions)
        for start, end in mention.positions:
            assert full[start:end] in mention.terms
        assert mention.positions == sorted(mention.positions)
        first = full[mention.positions[0][0] : mention.positions[0][1]]
        assert first in mention.snippet
        assert len(mention.snippet) <= 230 and "\n" not in mention.snippet and "  " not in mention.snippet
    person = result.mentions[0]
    assert person.positions[0] == [0, 14]
    assert person.terms == ["Momolu Stewart", "Momolu"]  # first-name mention after the full name
    assert person.count == 3
    assert json.loads(json.dumps(asdict(person)))["positions"][0] == [0, 14]


def test_surname_only_counts_only_after_the_full_name(wl):
    text = ("Sheppard's family waited outside. David Sheppard, convicted of felony murder in "
            "Pennsylvania, was freed after his life sentence was commuted. Sheppard smiled.")
    mention = next(m for m in match_article("", text, wl, "en").mentions if m.entry == "David Sheppard")
    assert mention.count == 2
    assert mention.terms == ["David Sheppard", "Sheppard"]
    # surnames alone never make a person count
    alone = match_article("", "Sheppard was convicted of felony murder in Pennsylvania.", wl, "en")
    assert alone.matched == []


def test_matching_tolerates_case_accents_and_apostrophes(wl):
    text = ("DAVID SHEPPARD’S commutation came through. Alexis Martín and dawn jackson were in the "
            "Kardashian-West documentary too.")
    result = match_article("", text, wl, "en")
    assert result.matched == ["Dawn Jackson", "Alexis Martin", "David Sheppard"]
    terms = {m.entry: m.terms for m in result.mentions}
    assert terms["David Sheppard"] == ["DAVID SHEPPARD"]
    assert terms["Alexis Martin"] == ["Alexis Martín"]
    assert terms["Kim Kardashian West"] == ["Kardashian-West"]


def test_word_boundaries(wl):
    text = "Kim Kardashian West's documentary: the Momolu Stewarts of this world are in prison."
    assert "Momolu Stewart" not in match_article("", text, wl, "en").matched


def test_matched_order_and_supporting_entities(wl):
    text = ("David Sheppard and Dawn Jackson appear in Kim Kardashian West: The Justice Project on "
            "Oxygen, with lawyers Erin Haney and MiAngel Cody.")
    result = match_article("", text, wl, "en")
    assert result.matched == [DOC, "Dawn Jackson", "David Sheppard"]
    kinds = [(m.entry, m.kind) for m in result.mentions]
    assert kinds[:3] == [(DOC, "documentary"), ("Dawn Jackson", "person"), ("David Sheppard", "person")]
    assert {e for e, k in kinds if k == "supporting"} == {"Oxygen", "Erin Haney", "MiAngel Cody"}


def test_supporting_entities_alone_are_not_relevant(wl):
    result = match_article("Kim Kardashian on Oxygen", "Kim Kardashian and Erin Haney spoke.", wl, "en")
    assert not result.relevant and result.matched == [] and result.relevance == 0
    assert {m.kind for m in result.mentions} == {"supporting"}


def test_language_specific_context(wl):
    text = "Momolu Stewart, condenado en Washington DC, salió de la cárcel gracias a Kim Kardashian."
    for language in ("es", None):
        assert match_article("", text, wl, language).matched == ["Momolu Stewart"]


def test_relevance_grows_with_evidence(wl):
    passing = match_article("Kim Kardashian passes the bar", "Her Oxygen documentary, The Justice Project, "
                            "aired in 2020.", wl, "en")
    headline = match_article("Kim Kardashian West: The Justice Project follows David Sheppard",
                             "David Sheppard and Momolu Stewart were in prison for decades.", wl, "en")
    assert 0 < passing.relevance < headline.relevance <= 1
    assert passing.relevant and headline.relevant


LEAD = ("The weekend brings a crowded slate of streaming premieres and returning favourites across every "
        "service.")
PASSING = "Later that night, Kim Kardashian West: The Justice Project airs again."


@pytest.mark.parametrize(("title", "text", "expected"), [
    # docs/relevance.md, section 5: one passing mention of the documentary after the first
    # paragraph, no supporting entity outside its title: 0.5 * (1 - 0.5) + 0.2 * 1/8
    ("Streaming picks for the weekend", f"{LEAD}\n\n{PASSING}", 0.275),
    # ... with Kardashian and Oxygen named: + 0.1 * 2/2
    ("Streaming picks for the weekend", f"{LEAD}\n\n{PASSING}\n\nKim Kardashian hosts, Oxygen repeats it.", 0.375),
    # ... in the first paragraph instead: + 0.2 * 0.5
    ("Streaming picks for the weekend", f"{PASSING}\n\n{LEAD}", 0.375),
    # a headline naming the documentary and David Sheppard, Sheppard and Momolu Stewart in the
    # text: E = 3, M = 4, P = 1, S = 0 -> 0.4375 + 0.1 + 0.2 + 0
    ("Kim Kardashian West: The Justice Project follows David Sheppard",
     "David Sheppard and Momolu Stewart were in prison for decades.", 0.7375),
])
def test_relevance_numbers_of_the_documented_examples(wl, title, text, expected):
    assert match_article(title, text, wl, "en").relevance == expected


@pytest.mark.parametrize(("mentions", "first", "supporting", "expected"), [
    ([], 0, 0, 0.0),                       # E = 0: 0, whatever else is named
    ([], 0, 2, 0.0),
    ([1], 400, 0, 0.275),                  # 0.25 + 0.025
    ([1], 100, 0, 0.375),                  # first paragraph: + 0.1
    ([1], 10, 0, 0.475),                   # title: + 0.2
    ([1], 400, 1, 0.325),                  # one supporting entity of a cap of 2: + 0.05
    ([1], 400, 7, 0.375),                  # capped at 2
    ([2, 1, 1], 10, 0, 0.7375),            # 0.4375 + 0.1 + 0.2
    ([3, 3, 3, 3, 3], 10, 2, 0.9844),      # 0.484375 + 0.2 (8 of 15 mentions, capped) + 0.2 + 0.1, rounded
])
def test_the_relevance_formula(wl, mentions, first, supporting, expected):
    """relevance() with the shipped weights (0.5, 0.2, 0.2, 0.1; caps 8 and 2); the title
    ends at 50 and the first paragraph at 300; `first` is where the first mention starts."""
    entries = [[SimpleNamespace(start=first + 500 * e + m) for m in range(n)] for e, n in enumerate(mentions)]
    assert relevance(wl.scoring, entries, supporting, 50, 300) == expected


def test_the_relevance_weights_and_caps_are_the_watchlists(wl):
    scoring = replace(wl.scoring, weight_entries=1.0, weight_mentions=0.0, weight_placement=0.0,
                      weight_supporting=0.0)
    one = [[SimpleNamespace(start=400)]]
    assert relevance(scoring, one, 0, 50, 300) == 0.5
    assert relevance(replace(scoring, weight_mentions=1.0, mention_cap=1), one, 0, 50, 300) == 1.0, "capped at 1"
    assert relevance(replace(wl.scoring, supporting_cap=4), one, 2, 50, 300) == 0.325


def test_empty_and_pure(wl):
    empty = match_article("", "", wl)
    assert (empty.relevant, empty.relevance, empty.matched, empty.mentions) == (False, 0.0, [], [])
    case = CASES[0]
    assert asdict(run(case, wl)) == asdict(run(case, wl))


# --------------------------------------------------------------------------- watchlist


def test_search_queries(wl):
    queries = wl.search_queries()
    assert queries[:2] == ["Justice Project", "Kardashian Justice Project"]
    assert "Kardashian" in queries
    assert all(name in queries for name in PEOPLE)
    assert len(queries) == len(set(queries))


def test_resolve_name_for_cli_filters(wl):
    assert wl.resolve_name("david sheppard") == "David Sheppard"
    assert wl.resolve_name("Sheppard") == "David Sheppard"
    assert wl.resolve_name("Kim Kardashian") == "Kim Kardashian West"
    assert wl.resolve_name("the justice project") == DOC
    assert wl.resolve_name("Nobody Atall") is None
    assert wl.entry_names()[:5] == [DOC, *PEOPLE]


def test_shipped_watchlist_names(wl):
    assert wl.documentary.name == DOC
    assert [p.name for p in wl.people] == PEOPLE
    assert wl.documentary.network == "Oxygen"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "watchlist.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ('[documentary]\nname = "X"\n\n[[person]]\nname "A B"\n', "line 5"),
        ('[documentary]\nname = "X"\nname = "Y"\n', "line 3"),
        ('[documentary]\nname = "X"\naliases = ["a", "b"\n', "line 4"),  # "at end of document"
    ],
)
def test_malformed_toml_names_file_and_line(tmp_path, body, line):
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as err:
        load_watchlist(path)
    assert str(path) in str(err.value) and line in str(err.value), str(err.value)
    assert isinstance(err.value, NewswatchError)


def test_missing_key_names_table_and_line(tmp_path):
    path = write(tmp_path, """
        [documentary]
        name = "X"

        [[person]]
        name = "A B"

        [[person]]
        aliases = ["C D"]
        """)
    with pytest.raises(ConfigError, match=r"\[\[person\]\] #2 \(line 8\): missing required key 'name'"):
        load_watchlist(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[documentary]\nname = "X"\naliasses = ["Y"]\n', "unknown key(s) 'aliasses' (line 3)"),
        ('[documentary]\naliases = ["Y"]\n', "missing required key 'name'"),
        ('[documentary]\nname = "X"\naliases = "Y"\n', "must be a list"),
        ('[documentary]\nname = "X"\nsupport = ["Nobody"]\n', "not a [[supporting]] entry"),
        ('[documentary]\nname = "X"\n[scoring]\nthreshold = 2\n', "between 0 and 1"),
        ('[documentary]\nname = "X"\n[scoring]\nthreshold = "high"\n', "must be a number"),
        ('[documentary]\nname = "X"\n[[person]]\nname = "A B"\nfacts = ["ab*"]\n', "4+ letters"),
        ('[documentary]\nname = "X"\n[[person]]\nname = "X"\n', "duplicate canonical name"),
        ('[watchlist]\nname = "X"\n', "missing required table [documentary]"),
        ('[documentary]\nname = "X"\n\n[persons]\nname = "Y"\n', "unknown key(s) 'persons' (line 4)"),
    ],
)
def test_invalid_keys_are_reported(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(ConfigError, match=str(path).replace("\\", "\\\\")) as err:
        load_watchlist(path)
    assert message in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_watchlist(tmp_path / "nope.toml")


OTHER = """
    # Another documentary: the same code, other data.
    [documentary]
    name = "Freedom Row: The Series"
    weak_aliases = ["Freedom Row"]
    support = ["Ava Brooks", "Channel Nine"]
    search_queries = ["Freedom Row"]

    [people]
    roles = ["prosecutor", "sheriff"]
    [people.context]
    en = ["prison*", "exonerat*", "wrongful conviction"]

    [[person]]
    name = "Tobias Reed"
    short_aliases = ["Reed"]
    places = ["Georgia"]
    facts = ["arson", "death row"]
    exclusions = ["guitarist", "band", "album"]

    [[person]]
    name = "Marisol Vega"
    exclusions = ["tennis"]
    search_queries = ["Marisol Vega exoneration"]

    [[supporting]]
    name = "Ava Brooks"
    aliases = ["Brooks"]

    [[supporting]]
    name = "Channel Nine"
    case_sensitive = true

    [scoring]
    threshold = 0.25
"""


def test_a_second_watchlist_needs_no_code_change(tmp_path):
    other = load_watchlist(write(tmp_path, OTHER))
    assert other.search_queries() == ["Freedom Row", "Tobias Reed", "Marisol Vega exoneration"]
    covered = match_article(
        "Freedom Row returns on Channel Nine",
        "Ava Brooks revisits the arson case of Tobias Reed, exonerated after 20 years on death row. "
        "Reed now speaks in prisons across Georgia.",
        other,
    )
    assert covered.relevant
    assert covered.matched == ["Freedom Row: The Series", "Tobias Reed"]
    assert next(m for m in covered.mentions if m.entry == "Tobias Reed").terms == ["Tobias Reed", "Reed"]
    homonym = match_article("New album", "Guitarist Tobias Reed and his band release an album.", other)
    assert not homonym.relevant and homonym.matched == []
    sheriff = match_article("", "Sheriff Tobias Reed said the arson suspect in Georgia is in prison.", other)
    assert sheriff.matched == []
    # the documentary this project ships with means nothing to the other watchlist
    assert not match_article(CASES[0]["title"], CASES[0]["text"], other).relevant


def test_weights_and_fuzzy_rules_are_data(tmp_path):
    shipped = WATCHLIST.read_text(encoding="utf-8")
    strict = write(tmp_path, shipped.replace("threshold = 0.25 ", "threshold = 0.4  ")
                   .replace("fuzzy_min_repeats = 2 ", "fuzzy_min_repeats = 1 "))
    wl = load_watchlist(strict)
    assert wl.scoring.threshold == 0.4 and wl.scoring.fuzzy_min_repeats == 1
    by_id = {c["id"]: c for c in CASES}
    passing = run(by_id["en-kim-bar-passing-mention"], wl)
    assert passing.matched == [DOC] and not passing.relevant  # covered, but below the raised bar
    # one "The Justice Initiative" now passes for a garbled title: the rule is data, not code
    assert DOC in run(by_id["en-fuzzy-must-not-invent"], wl).matched


# --------------------------------------------------------------------------- speed


def thousand_words() -> str:
    body = " ".join(c["text"] for c in CASES)
    words = (body.split() * 20)[:1000]
    return "\n\n".join(" ".join(words[i : i + 80]) for i in range(0, 1000, 80))


def test_speed_under_5_ms_per_1000_words(wl):
    article = thousand_words()
    match_article("warm-up", article, wl, "en")
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(30):
            match_article("Kim Kardashian West: The Justice Project", article, wl, "en")
        best = min(best, (time.perf_counter() - start) / 30)
    assert best < 0.005, f"{best * 1000:.2f} ms per 1,000-word article"
