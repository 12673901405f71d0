"""News-article parser and cleaning steps, checked against the real seed pages.

Pure functions, no database: run with `pytest -p no:django`.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from pathlib import Path

import pytest

from archive.importers.articles import detect_article_source, parse_article
from archive.importers.base import ParseError
from archive.importers.cleaning import (
    drop_repeated_blocks,
    mend_wrapped_lines,
    normalize_newlines,
    split_blocks,
    strip_chrome,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ARTICLE_SEEDS = ["000", "001", "003", "004"]
CHROME = [
    "Share",
    "Join the mailing list",
    "Contact Author",
    "Stay Connected",
    "Related",
    "Photo:",
    "(END)",
    "Published:",
    "Bookmark and Share",
    "JOIN NOW",
    "Additional Links",
    "News Article",
    "Department of Defense",
]


def seed_text(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def parsed(prefix: str):
    return parse_article(seed_text(prefix))


def collapsed(text: str) -> str:
    return " ".join(text.split())


def with_wrap_breaks_mended(text: str) -> str:
    """The two scraper breaks the parser mends: "Times\\n." and "Ki\\n- moon"."""
    text = re.sub(r"\n(?=[.,;:!?])", "", text)
    return text.replace("Ki\n- moon", "Ki-moon")


# ---------------------------------------------------------------- 000: AFPS


def test_afps_title():
    title = "Gates Meets With Peruvian Leaders, Discusses Security Issues in Peru"
    assert parsed("000").title == title


def test_afps_source_and_no_venue():
    doc = parsed("000")
    assert (doc.source, doc.venue, doc.type) == ("American Forces Press Service", "", "article")


def test_afps_byline_and_dateline():
    doc = parsed("000")
    assert (doc.byline, doc.dateline) == ("Fred W. Baker III", "LIMA, Peru")


def test_afps_date_from_lede():
    assert parsed("000").date == dt.date(2007, 10, 6)


def test_afps_has_twelve_paragraphs_ending_with_the_order_of_ayacucho():
    paragraphs = parsed("000").paragraphs
    assert len(paragraphs) == 12
    assert paragraphs[-1].text.endswith("rendered to national defense.")


def test_afps_lede_keeps_its_dateline_text():
    assert (
        parsed("000")
        .paragraphs[0]
        .text.startswith("LIMA, Peru, Oct. 6, 2007 – Defense Secretary Robert M. Gates met")
    )


def test_source_typos_survive():
    text = " ".join(p.text for p in parsed("000").paragraphs)
    assert "Columbia is the top producer." in text
    assert "said said the meeting" in text
    assert "The Unites States is Peru’s" in text


# ---------------------------------------------------------------- 001: AFPS on DoD News


def test_dod_news_title():
    assert parsed("001").title == "Rumsfeld in Peru to Discuss Mutual Security Interests"


def test_dod_news_article_keeps_afps_as_source_and_dod_news_as_venue():
    doc = parsed("001")
    assert (doc.source, doc.venue) == ("American Forces Press Service", "DoD News")


def test_dod_news_byline_and_dateline_and_date():
    doc = parsed("001")
    assert (doc.byline, doc.dateline) == ("Donna Miles", "LIMA, Peru")
    assert doc.date == dt.date(2005, 8, 18)


def test_dod_news_has_eleven_paragraphs_and_footer_links_are_dropped():
    paragraphs = parsed("001").paragraphs
    assert len(paragraphs) == 11
    assert paragraphs[-1].text.endswith('every chance of succeeding."')


def test_dod_news_lede_keeps_its_dateline_text():
    assert parsed("001").paragraphs[0].text.startswith("LIMA, Peru, Aug. 18, 2005 – Defense")


# ---------------------------------------------------------------- 003: Andina


def test_andina_title_and_source():
    doc = parsed("003")
    assert doc.title == "Peru, United States work together against crime and drug trafficking"
    assert (doc.source, doc.venue) == ("Andina", "")


def test_andina_has_no_byline_and_dateline_lima():
    doc = parsed("003")
    assert (doc.byline, doc.dateline) == ("", "Lima")


def test_andina_date_from_published_footer():
    assert parsed("003").date == dt.date(2022, 10, 6)


def test_andina_has_sixteen_paragraphs_without_photo_credits_or_end_mark():
    paragraphs = parsed("003").paragraphs
    assert len(paragraphs) == 16
    assert paragraphs[0].text.startswith("United States Secretary of State Antony Blinken")
    assert paragraphs[-1].text.endswith("over the past 25 years.")


# ---------------------------------------------------------------- 004: Diálogo


def test_dialogo_title_and_source_with_accent():
    doc = parsed("004")
    assert doc.title == "U.S. Assists Peruvian Military in Its Counter-Narcotics Fight"
    assert (doc.source, doc.venue) == ("Diálogo", "")


def test_dialogo_byline_as_printed_and_no_dateline():
    doc = parsed("004")
    assert (doc.byline, doc.dateline) == ("Dialogo", "")


def test_dialogo_date_from_line_under_byline():
    assert parsed("004").date == dt.date(2014, 12, 15)


def test_dialogo_repeated_copy_is_dropped_leaving_fifteen_paragraphs_once_each():
    texts = [p.text for p in parsed("004").paragraphs]
    assert len(texts) == 15
    assert len(set(texts)) == 15


def test_dialogo_heading_applies_to_paragraphs_twelve_to_fifteen_only():
    heading = "United Nations praises Peru for its progress fighting narco-trafficking"
    paragraphs = parsed("004").paragraphs
    assert [p.heading for p in paragraphs[11:]] == [heading] * 4
    assert all(p.heading == "" for p in paragraphs[:11])


def test_dialogo_heading_is_not_a_paragraph():
    assert not any(p.text.startswith("United Nations praises") for p in parsed("004").paragraphs)


def test_dialogo_broken_name_is_mended():
    paragraph = parsed("004").paragraphs[11]
    assert paragraph.text.startswith("United Nations Secretary-General Ban Ki-moon recently")


def test_dialogo_full_stop_on_its_own_line_is_mended():
    texts = [p.text for p in parsed("004").paragraphs]
    assert "told the Marine Corps Times. “They deal with infection" in texts[7]
    assert "daily La República. That achievement" in texts[12]


# ---------------------------------------------------------------- every seed


@pytest.mark.parametrize("prefix", ARTICLE_SEEDS)
def test_paragraphs_are_numbered_one_to_n(prefix):
    numbers = [p.number for p in parsed(prefix).paragraphs]
    assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize("prefix", ARTICLE_SEEDS)
def test_no_chrome_in_any_paragraph_or_field(prefix):
    doc = parsed(prefix)
    fields = [doc.title, doc.source, doc.venue, doc.byline, doc.dateline]
    fields += [p.text for p in doc.paragraphs] + [p.heading for p in doc.paragraphs]
    for text in fields:
        for chrome in CHROME:
            assert chrome not in text, (chrome, text)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_every_paragraph_is_verbatim_from_the_file(prefix):
    original = collapsed(with_wrap_breaks_mended(normalize_newlines(seed_text(prefix))))
    doc = parse_article(seed_text(prefix))
    texts = [doc.title] + [p.text for p in doc.paragraphs] + [p.heading for p in doc.paragraphs]
    for text in texts:
        assert collapsed(text) in original


@pytest.mark.parametrize(
    ("prefix", "source"),
    [
        ("000", "American Forces Press Service"),
        ("001", "American Forces Press Service"),
        ("002", None),
        ("003", "Andina"),
        ("004", "Diálogo"),
    ],
)
def test_detect_article_source(prefix, source):
    assert detect_article_source(seed_text(prefix)) == source


@pytest.mark.parametrize("prefix", ARTICLE_SEEDS)
def test_windows_and_old_mac_line_ends_parse_the_same(prefix):
    text = seed_text(prefix)
    expected = parse_article(text)
    assert parse_article(text.replace("\n", "\r\n")) == expected
    assert parse_article(text.replace("\n", "\r")) == expected


@pytest.mark.parametrize("prefix", ARTICLE_SEEDS)
def test_known_layouts_raise_no_warnings(prefix):
    assert parsed(prefix).warnings == []


# ---------------------------------------------------------------- generic layout

GENERIC_PAGE = """Home
Menu

Peru and Chile sign a border cooperation accord

By Jane Doe
Staff Writer
March 4, 2021

The two governments agreed on Tuesday to share radar data.

Officials said the accord
would be reviewed each year.

Share
"""


def test_unknown_layout_is_imported_as_unattributed_article():
    doc = parse_article(GENERIC_PAGE)
    assert (doc.type, doc.source, doc.format) == ("article", "Unattributed", "article-text")


def test_unknown_layout_title_is_first_substantial_line_after_menus():
    assert parse_article(GENERIC_PAGE).title == "Peru and Chile sign a border cooperation accord"


def test_unknown_layout_reads_byline_and_printed_date():
    doc = parse_article(GENERIC_PAGE)
    assert (doc.byline, doc.date) == ("Jane Doe", dt.date(2021, 3, 4))


def test_unknown_layout_paragraphs_are_remaining_blocks_with_wrapping_kept():
    texts = [p.text for p in parse_article(GENERIC_PAGE).paragraphs]
    assert texts == [
        "The two governments agreed on Tuesday to share radar data.",
        "Officials said the accord\nwould be reviewed each year.",
    ]


def test_unknown_layout_without_a_printed_date_has_none():
    doc = parse_article("A plain headline for a page\n\nOne paragraph of text here.")
    assert doc.date is None
    assert [p.text for p in doc.paragraphs] == ["One paragraph of text here."]


def test_unknown_layout_uses_a_clearly_printed_source_line():
    doc = parse_article("A plain headline for a page\nSource: El Comercio\n\nText of it.")
    assert doc.source == "El Comercio"


def test_ambiguous_numeric_date_is_not_guessed_for_unknown_layout():
    doc = parse_article("A plain headline for a page\nPublished: 3/4/2021\n\nText.")
    assert doc.date is None


def test_by_the_end_of_is_not_a_byline():
    doc = parse_article("A plain headline for a page\n\nBy the end of 2014, it was done.")
    assert doc.byline == ""
    assert doc.paragraphs[0].text == "By the end of 2014, it was done."


def test_very_long_first_line_stays_a_paragraph_and_names_the_article():
    lede = "word " * 200
    doc = parse_article(lede)
    assert doc.title and len(doc.title) <= 120
    assert doc.paragraphs[0].text == lede.strip()


def test_page_of_only_chrome_still_imports_with_a_warning():
    doc = parse_article("Share\n\nJoin the mailing list")
    assert doc.paragraphs == []
    assert doc.warnings


@pytest.mark.parametrize("text", ["", "   ", "\n\r\n\t \n", "\xa0\n"])
def test_no_text_raises_parse_error_with_one_line_reason(text):
    with pytest.raises(ParseError) as error:
        parse_article(text)
    assert str(error.value) and "\n" not in str(error.value)


# ---------------------------------------------------------------- cleaning steps


def test_normalize_newlines_turns_crlf_and_cr_into_lf_only():
    assert normalize_newlines("a\r\nb\rc\n d") == "a\nb\nc\n d"


def test_mend_joins_a_line_starting_with_a_full_stop():
    assert mend_wrapped_lines("Marine Corps Times\n. They") == "Marine Corps Times. They"


def test_mend_joins_a_hyphen_continuation_without_the_space():
    assert mend_wrapped_lines("Ban Ki\n- moon praised") == "Ban Ki-moon praised"


def test_mend_leaves_dash_lists_and_ellipses_alone():
    text = "Items\n- one thing\n- another thing\nHe paused\n...and went on"
    assert mend_wrapped_lines(text) == text


def test_split_blocks_on_blank_lines():
    assert split_blocks("a\nb\n\n\n  \nc  \n") == ["a\nb", "c"]


def test_strip_chrome_drops_related_lists_and_contact_author_names():
    blocks = [
        "Body text here.",
        "Contact Author",
        "Donald H. Rumsfeld",
        "Related Sites:\nState Department Background Notes on Peru",
        "Stay Connected",
    ]
    assert strip_chrome(blocks) == ["Body text here."]


def test_strip_chrome_keeps_a_wrapped_lower_case_word_that_looks_like_a_button():
    assert strip_chrome(["The troops went back\nhome.", "Share"]) == ["The troops went back\nhome."]


def test_repeated_run_is_dropped_but_a_lone_short_repeat_is_kept():
    blocks = [
        "A long first paragraph with enough words in it.",
        "Heading",
        "A second long paragraph with enough words in it.",
        "Yes.",
        "Yes.",
        "A long first paragraph with enough words in it.",
        "Heading",
        "A second long paragraph with enough words in it.",
    ]
    assert drop_repeated_blocks(blocks) == blocks[:5]


# ---------------------------------------------------------------- robustness


def _fuzz_inputs() -> list[str]:
    rng = random.Random(20240601)
    seeds = [seed_text(p) for p in ["000", "001", "002", "003", "004"]]
    inputs = []
    for text in seeds:
        inputs += [text[:n] for n in range(0, len(text), max(1, len(text) // 40))]
        inputs += [text[n:] for n in range(0, len(text), max(1, len(text) // 20))]
    for _ in range(60):
        a, b = rng.sample(seeds, 2)
        inputs.append(a[: rng.randrange(len(a))] + b[rng.randrange(len(b)) :])
    alphabet = "ab .,-–|:/\n\r\t\xa0()0123456789ByLIMA“”"
    for _ in range(200):
        inputs.append("".join(rng.choice(alphabet) for _ in range(rng.randrange(80))))
    inputs.append("".join(chr(rng.randrange(1, 0x3000)) for _ in range(2000)))
    return inputs


def test_truncated_spliced_and_junk_text_raise_nothing_but_parse_error():
    for text in _fuzz_inputs():
        try:
            doc = parse_article(text)
        except ParseError:
            assert not text.strip()
            continue
        assert [p.number for p in doc.paragraphs] == list(range(1, len(doc.paragraphs) + 1))


@pytest.mark.parametrize(
    "text",
    [
        "word " * 2_000_000,  # one 10 MB line
        "LIMA, " * 1_000_000 + "\n\nbody",  # dateline-like prefix repeated
        "1/" * 2_000_000,
        "\n.\n" * 200_000 + "x",
        "Ki\n- moon\n" * 100_000,
        "\n\n".join(f"Paragraph {i} has a few words in it." for i in range(10_000)),
        "\n\n".join(["The same paragraph is printed again and again here."] * 10_000),
    ],
    ids=[
        "10MB-line",
        "dateline-prefix",
        "slashes",
        "full-stop-lines",
        "hyphen-lines",
        "10000-blocks",
        "10000-repeats",
    ],
)
def test_large_inputs_parse_in_linear_time(text):
    start = time.perf_counter()
    parse_article(text)
    assert time.perf_counter() - start < 10
