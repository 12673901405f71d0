"""The cable parser on real Cablegate pages: the text-saved seed and the 38 corpus pages.

Plain functions, no database: run with `pytest tests/test_cable_parser.py -p no:django`.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from functools import cache
from pathlib import Path

import pytest

from archive.importers.base import ParseError
from archive.importers.cable_references import cited_cables
from archive.importers.cablegate_pages import (
    looks_like_cablegate_html,
    looks_like_cablegate_text,
    parse_cablegate_html,
    parse_cablegate_text,
)
from archive.importers.cables import parse_cable

ROOT = Path(__file__).resolve().parent.parent


def reference_ids(doc) -> list[str | None]:
    return [r.reference_id for r in doc.references]


SEED = ROOT / "seeds" / "002_97bee5f77f2f9dbc.txt"
CORPUS = ROOT / "tests" / "data" / "corpus"
PAGES = sorted(CORPUS.rglob("*.html"))
UTC = dt.UTC


@pytest.fixture(autouse=True)
def empty_search_index():
    """Overrides conftest's: these tests touch neither the database nor the search index."""
    yield


@cache
def seed():
    return parse_cablegate_text(SEED.read_text(encoding="utf-8"))


def page_path(identifier: str) -> Path:
    return next(path for path in PAGES if path.stem == identifier)


@cache
def cable(identifier: str):
    return parse_cablegate_html(page_path(identifier).read_text(encoding="utf-8"))


def paragraph(doc, number: int):
    return next(p for p in doc.paragraphs if p.number == number)


def numbers(doc) -> list[int]:
    return [p.number for p in doc.paragraphs]


def all_text(doc) -> str:
    return "\n".join(p.heading + "\n" + p.text for p in doc.paragraphs)


def parse_plain(header: str, body: str, identifier: str = "09LIMA1561"):
    return parse_cable(
        header,
        body,
        identifier=identifier,
        created=dt.datetime(2009, 1, 1, 12, 0, tzinfo=UTC),
        released=None,
        classification="CONFIDENTIAL",
        origin="Embassy Lima",
    )


# --- The expected values, read from each page by a small independent reader --------------
def table_from_page(text: str) -> dict[str, str]:
    row = re.search(r"<th>Origin</th>\s*</tr>\s*<tr>(.*?)</tr>", text, re.S)[1]
    cells = [
        html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
    ]
    return dict(zip(["id", "created", "released", "classification", "origin"], cells, strict=True))


def tags_from_page(text: str) -> list[str]:
    lines = html.unescape(re.sub(r"<[^>]+>", "", text.replace("&#x000A;", "\n"))).split("\n")
    at = next(i for i, line in enumerate(lines) if re.search(r"\bTAGS\b", line))
    found = lines[at].split("TAGS", 1)[1]
    if found.rstrip().endswith(","):
        found += " " + lines[at + 1]
    codes: list[str] = []
    for code in re.findall(r"\b[A-Z][A-Z0-9]+\b", found):
        if code not in codes:
            codes.append(code)
    return codes


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.stem)
def test_corpus_page_metadata_matches_its_own_table(path: Path):
    text = path.read_text(encoding="utf-8")
    table = table_from_page(text)
    doc = parse_cablegate_html(text)
    assert doc.type == "cable"
    assert doc.identifier == table["id"] == path.stem
    assert doc.created.date() == dt.date.fromisoformat(table["created"][:10])
    assert doc.date == doc.created.date()
    assert doc.classification == table["classification"]
    assert doc.origin == table["origin"]
    assert doc.tags == tags_from_page(text)
    assert doc.source == "WikiLeaks Cablegate"


def test_corpus_has_38_pages():
    assert len(PAGES) == 38


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.stem)
def test_paragraph_numbers_are_unique_and_preamble_lines_stay_out(path: Path):
    doc = cable(path.stem)
    assert len(numbers(doc)) == len(set(numbers(doc)))
    preamble = re.compile(r"\s*(?:SUBJECT:|TAGS\b|E\.?O\.? ?12|Classified By|CLASSIFIED BY|REF:|VZCZC)")
    for p in doc.paragraphs:
        assert p.text.strip()
        assert not any(preamble.match(line) for line in p.text.split("\n")), (p.number, p.text[:80])


# --- Seed 002: the page saved as text -------------------------------------------------------
def test_text_page_is_a_cable_with_its_reference_id():
    assert seed().type == "cable"
    assert seed().identifier == "07LIMA3429"
    assert seed().format == "cablegate-text"


def test_title_and_subject_join_a_multi_line_subject():
    title = "MOD BRIEFS SECRETARY GATES ON PLANS TO ENHANCE INTERNAL SECURITY"
    assert seed().title == title
    assert seed().subject == title


def test_metadata_comes_from_the_page_table():
    doc = seed()
    assert (doc.source, doc.origin, doc.classification) == (
        "WikiLeaks Cablegate",
        "Embassy Lima",
        "CONFIDENTIAL",
    )


def test_created_and_released_times():
    assert seed().created == dt.datetime(2007, 10, 17, 17, 4, tzinfo=UTC)
    assert seed().released == dt.datetime(2011, 8, 30, 1, 44, tzinfo=UTC)
    assert seed().date == dt.date(2007, 10, 17)


def test_tags_are_read_from_markdown_links_in_order():
    assert seed().tags == ["PGOV", "MARR", "KICC", "PREL", "PE"]


def test_header_addresses_drop_routing_indicators_and_serial_numbers():
    header = seed().header
    assert header.from_ == "AMEMBASSY LIMA"
    assert header.to == ["SECSTATE WASHDC"]
    assert "SECDEF WASHDC" in header.info
    assert "CDR USCINCSO MIAMI FL" in header.info
    assert "AMEMBASSY BOGOTA" in header.info


def test_header_date_time_group_and_spelled_out_precedence():
    assert seed().header.dtg == "171704Z OCT 07"
    assert seed().header.precedence == "ROUTINE"


def test_declassification_line_and_date():
    assert seed().declassification == "E.O. 12958: DECL: 03/22/2017"
    assert seed().declassify_on == dt.date(2017, 3, 22)


def test_signature_is_the_trailing_name():
    assert seed().signature == "NEALON"
    assert "NEALON" not in paragraph(seed(), 8).text


def test_restores_paragraph_marks_lost_by_scraping():
    assert numbers(seed()) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert paragraph(seed(), 5).text.startswith("Like the VRAE")
    assert any("lost their ¶" in warning for warning in seed().warnings)


def test_paragraph_text_excludes_number_and_marking():
    assert paragraph(seed(), 1).text.startswith("Summary: Senior MOD officials")
    assert paragraph(seed(), 8).text.startswith("The MOD deserves credit")


def test_every_paragraph_keeps_its_marking():
    assert [p.marking for p in seed().paragraphs] == ["C"] * 8


def test_headings_belong_to_the_paragraph_that_follows():
    headings = {p.number: p.heading for p in seed().paragraphs if p.heading}
    assert headings == {
        2: "A Multi-Faceted Approach -- Plan VRAE",
        3: "Putumayo, Huallaga, and Costa Norte",
        6: "GOP Wish List",
        8: "Comment",
    }


def test_heading_is_not_part_of_the_previous_paragraph_text():
    assert paragraph(seed(), 1).text.endswith("End Summary.")
    assert "GOP Wish List" not in paragraph(seed(), 5).text


def test_site_chrome_is_left_out():
    doc = seed()
    fields = [doc.title, doc.subject, doc.signature, doc.classified_by, *(r.text for r in doc.references)]
    everything = "\n".join([all_text(doc), *fields])
    for chrome in (
        "Community resources",
        "Understanding cables",
        "courage is contagious",
        "elcomercio",
    ):
        assert chrome not in everything


def test_page_detection_tells_the_two_formats_apart():
    seed_text = SEED.read_text(encoding="utf-8")
    page_text = PAGES[0].read_text(encoding="utf-8")
    assert looks_like_cablegate_text(seed_text) and not looks_like_cablegate_html(seed_text)
    assert looks_like_cablegate_html(page_text) and not looks_like_cablegate_text(page_text)


@pytest.mark.parametrize("name", ["000", "001", "003", "004"])
def test_article_seeds_are_not_cable_pages(name):
    article = next((ROOT / "seeds").glob(f"{name}_*.txt")).read_text(encoding="utf-8")
    assert not looks_like_cablegate_text(article)
    assert not looks_like_cablegate_html(article)


# --- HTML pages: the site's own quirks ------------------------------------------------------
def test_html_page_format_name():
    assert cable("07TELAVIV3586").format == "cablegate-html"


def test_classification_is_the_link_text_not_its_title_attribute():
    assert cable("07TELAVIV3586").classification == "SECRET"  # title='confidential'


def test_created_time_comes_from_the_date_time_group_not_the_site_minutes():
    assert cable("07TELAVIV3586").created == dt.datetime(2007, 12, 20, 16, 21, tzinfo=UTC)


def test_released_time_keeps_only_the_hour_the_site_got_right():
    assert cable("07TELAVIV3586").released == dt.datetime(2011, 4, 8, 5, 0, tzinfo=UTC)


def test_partial_extract_has_no_header_and_keeps_the_table_hour():
    doc = cable("04ROME2926")
    assert doc.header.dtg == "" and doc.header.from_ == ""
    assert doc.created == dt.datetime(2004, 7, 28, 14, 0, tzinfo=UTC)
    assert any("partial extract" in warning for warning in doc.warnings)


def test_site_paragraph_anchors_are_ignored():
    doc = cable("06BOGOTA9120")  # the page anchors a line starting "2005." as paragraph 2005
    assert numbers(doc) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert "\n2005. This compares" in paragraph(doc, 7).text


def test_a_year_starting_a_line_stays_in_its_paragraph():
    assert "\n2013. The Chancellor" in paragraph(cable("09BERLIN1106"), 9).text


def test_letter_anchor_on_a_reference_is_not_a_paragraph():
    doc = cable("06BOGOTA9120")  # "REF: A. A.BOGOTA 5486" / "¶B. B.BOGOTA 7731"
    assert reference_ids(doc) == ["06BOGOTA5486", "06BOGOTA7731"]


def test_page_title_gives_way_to_the_full_subject():
    doc = cable("09MEXICO1020")
    assert doc.title == "THREE CONGRESSIONAL CHAIRMAN BRING MESSAGE OF SUPPORT TO PRESIDENT CALDERON"


def test_subject_broken_by_a_blank_line_is_joined():
    assert cable("09NAIROBI1296").subject == (
        "UHURU KENYATTA - PRESIDENTIAL AMBITIONS AND THE REFORM PROCESS"
    )


def test_subject_printed_on_the_line_after_its_label():
    assert cable("09CAIRO1802").subject.startswith("EGYPT: COUNTRY TEAM ASSESSMENT")
    assert numbers(cable("09CAIRO1802")) == list(range(1, 15))


def test_subject_stops_at_the_section_marker_and_classified_by_line():
    doc = cable("07NEWDELHI909")
    assert doc.subject == "SCENESETTER: INDIA COUNTER-TERRORISM JOINT WORKING GROUP"
    assert doc.classified_by == "DCM Geoffrey Pyatt, Reason 1.5 (B,D)"


def test_tags_without_colon_separated_by_commas():
    assert cable("08KABUL3176").tags == ["PGOV", "PREL", "PTER", "AFIN"]


def test_tags_continue_onto_a_second_line():
    assert cable("07NEWDELHI909").tags == (
        "PREL PGOV PTER PINR PBTS MOPS KDEM KISL KTFN EFIN ECON ASEC KCRM PK IN".split()
    )


def test_eo_and_tags_on_one_line():
    doc = cable("04ROME2926")
    assert doc.declassification == "E.O. 12958: DECL: 07/27/2009"
    assert doc.tags == ["AORC", "EAGR", "PREL", "KUNR", "IN", "FAO"]


@pytest.mark.parametrize(
    ("identifier", "printed", "date"),
    [
        ("08KABUL3176", "EO 12958 DECL: 12/08/2018", dt.date(2018, 12, 8)),
        ("10CARACAS163", "EO 12958 DECL: 2020/02/10", dt.date(2020, 2, 10)),
        ("07BRASILIA872", "E.O. 12958: DECL: 5/11/2017", dt.date(2017, 5, 11)),
        ("09TRIPOLI47", "E.O. 12958: DECL: 1/22/2019", dt.date(2019, 1, 22)),
        ("08PARIS137", "E.O. 12958: N/A", None),
        ("08BUENOSAIRES1305", "E.O. 12958: DECL: 09/17/2028", dt.date(2028, 9, 17)),
    ],
)
def test_declassification_line_variants(identifier, printed, date):
    assert cable(identifier).declassification == printed
    assert cable(identifier).declassify_on == date


def test_reference_items_on_later_lines_become_cable_ids():
    assert reference_ids(cable("09THEHAGUE92")) == ["07THEHAGUE2025", "08THEHAGUE728", "09THEHAGUE78"]


def test_reference_items_lettered_with_a_parenthesis():
    assert reference_ids(cable("09TRIPOLI47")) == ["08TRIPOLI960", "08TRIPOLI969"]


def test_reference_items_lettered_inline_on_one_line():
    doc = cable("08DAMASCUS146")
    assert [r.text for r in doc.references] == ["DAMASCUS 126", "DAMASCUS 70", "DAMASCUS 54"]
    assert reference_ids(doc) == ["08DAMASCUS126", "08DAMASCUS70", "08DAMASCUS54"]


def test_reference_item_after_a_blank_line():
    assert reference_ids(cable("05SANJOSE2071")) == ["05SECSTATE155973", "05SANJOSE1549"]


def test_reference_without_a_year_is_of_the_citing_cables_year():
    (rome,) = cable("04ROME2926").references
    assert (rome.text, rome.reference_id, rome.note) == ("ROME 2873 (NOTAL)", "04ROME2873", "NOTAL")
    (beijing,) = cable("08BEIJING3899").references
    assert (beijing.text, beijing.reference_id) == ("Beijing 03888", "08BEIJING3888")


def test_reference_line_does_not_swallow_the_first_paragraph():
    doc = cable("08REYKJAVIK135")
    assert reference_ids(doc) == ["08STATE66814"]
    assert paragraph(doc, 1).text.startswith("Econ Off and POL Intern delivered")
    assert paragraph(doc, 1).marking == "U"


@pytest.mark.parametrize(
    ("identifier", "classified_by"),
    [
        ("05MADRID3302", "PolCouns Kathleen Fitzpatrick for reasons 1.4 (b) and (d)."),
        ("06VATICAN141", "Peter Martin, CDA, Vatican, State. REASON: 1.4 (b), (d)"),
        ("09HAVANA492", "Chief of Mission Jonathan Farrar for reasons 1.4 (c) and (d)"),
        (
            "09BERLIN1106",
            "MINISTER COUNSELOR FOR POLITICAL AFFAIRS GEORGE GLASS FOR REASONS 1.4 (B) AND (D)",
        ),
        ("08DAMASCUS146", "Charge d’Affaires Michael Corbin for reasons 1.4(b,d)"),
    ],
)
def test_classified_by_continues_onto_wrapped_lines(identifier, classified_by):
    assert cable(identifier).classified_by == classified_by


@pytest.mark.parametrize(
    ("identifier", "number", "marking"),
    [
        ("08LONDON2498", 1, "C/NF"),
        ("08LONDON2498", 3, "C/F"),
        ("06RIYADH9095", 2, "S/NF"),
        ("07STOCKHOLM990", 1, "S"),  # printed "(s)"
        ("08MANAMA233", 1, "SBU"),  # printed "1.(SBU)"
        ("09USNATO334", 1, "U"),
    ],
)
def test_paragraph_marking_variants(identifier, number, marking):
    assert paragraph(cable(identifier), number).marking == marking


def test_marking_with_a_space_for_its_slash_is_read_as_a_marking():
    body = "C O N F I D E N T I A L LIMA 001561\n\n1. (S NF) Said in confidence.\n2. (S NOFORN) Also.\n"
    doc = parse_plain("", body)
    assert [(p.marking, p.text) for p in doc.paragraphs] == [
        ("S NF", "Said in confidence."),
        ("S NOFORN", "Also."),
    ]


def test_site_date_line_above_the_banner_is_dropped():
    assert "Friday, 28 December 2007" not in all_text(cable("07ISLAMABAD5388"))
    assert numbers(cable("07ISLAMABAD5388")) == list(range(1, 12))


def test_duplicated_header_block_is_skipped():
    doc = cable("09THEHAGUE92")
    assert numbers(doc) == list(range(1, 14))
    assert "VZCZC" not in all_text(doc) and "191568" not in all_text(doc)
    assert any("release record" in warning for warning in doc.warnings)


def test_quotes_doubled_by_the_pasted_record_are_undoubled():
    text = paragraph(cable("09THEHAGUE92"), 1).text
    assert 'Getting to that "yes" will take' in text.replace("\n", " ")
    assert '""' not in all_text(cable("09THEHAGUE92"))


def test_lines_repeated_with_a_q_prefix_are_dropped():
    doc = cable("09THEHAGUE92")
    assert "\nQDutch may contribute" not in paragraph(doc, 3).text
    assert paragraph(doc, 3).text.count("Dutch may contribute again in 2013") == 1


def test_trailing_backslashes_are_removed():
    doc = cable("09BERN350")
    assert "\\" not in all_text(doc)
    assert doc.signature == "BEYER"
    assert doc.tags == ["ECON", "EFIN", "PREL", "SZ"]


def test_section_markers_are_removed_and_headings_found_across_them():
    doc = cable("07STATE156011")
    assert "002 OF 002" not in all_text(doc)
    assert paragraph(doc, 6).heading == "GOB RADAR: TRADE, DRUGS, AND THE CONSTITUENT ASSEMBLY"


def test_section_marker_run_into_the_text_is_removed():
    assert "OF 002" not in paragraph(cable("09TRIPOLI47"), 5).text


def test_page_break_inside_a_sentence_is_closed_up():
    text = paragraph(cable("09SANAA2230"), 4).text
    assert "within 10 minutes. The\nCTU is broken into four platoons" in text


def test_unnumbered_summary_before_paragraph_two_becomes_paragraph_zero():
    doc = cable("06RIYADH9095")
    assert numbers(doc)[:2] == [0, 2]
    assert paragraph(doc, 0).marking == "S/NF"
    assert paragraph(doc, 0).text.startswith("Summary: xxxxxxxxxxxx told")


def test_text_between_preamble_and_paragraph_one_becomes_paragraph_zero():
    doc = cable("08DAMASCUS146")
    assert paragraph(doc, 0).text.startswith("This is a corrected copy of DAMASCUS 142")
    assert doc.classified_by.endswith("1.4(b,d)")


def test_cable_without_numbered_paragraphs_numbers_its_blocks():
    doc = cable("08PARIS137")
    assert numbers(doc) == [1, 2]
    assert paragraph(doc, 1).text.startswith("Political Minister Counselor")
    assert doc.signature == "PEKALA"


def test_repeated_paragraph_number_continues_the_paragraph_before():
    doc = cable("07STOCKHOLM990")
    assert numbers(doc) == [1, 2]
    assert "Stockholm POC for Bildt's visit" in paragraph(doc, 2).text
    assert any("repeats" in warning for warning in doc.warnings)


def test_paragraph_run_into_the_line_before_is_split_off():
    doc = cable("07NEWDELHI909")
    assert paragraph(doc, 20).text.startswith("Information Sharing and Enhancing Cooperation")
    assert "20. (S)" not in paragraph(doc, 19).text


def test_reflowed_cable_gets_its_paragraphs_and_headings_back():
    doc = cable("08BUENOSAIRES1305")
    assert numbers(doc) == [0, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert paragraph(doc, 5).heading == "Cruz del Sur"
    assert paragraph(doc, 10).heading == "Comment: Positive, Restrained"
    assert doc.signature == "WAYNE"


def test_heading_between_dash_rules_across_a_section_marker():
    assert paragraph(cable("06VATICAN141"), 6).heading == "Is Spain Worth a Mass?"


def test_heading_with_dashes_on_its_own_line():
    doc = cable("07TELAVIV3586")
    assert paragraph(doc, 8).heading == "OLMERT: A LONG WAY TO GO ON THE GROUND"
    assert "OLMERT" not in paragraph(doc, 7).text


def test_underlined_heading_in_a_cable_without_blank_lines():
    assert paragraph(cable("07BAKU522"), 8).heading == "BP AND GOAJ COOPERATION"


def test_heading_ending_in_an_abbreviation():
    doc = cable("09MEXICO1020")
    assert paragraph(doc, 9).heading == "The Opportunity for the U.S."
    assert paragraph(doc, 8).text.endswith("law.")


def test_heading_wrapped_over_two_lines_is_joined():
    heading = "Terrorist and Iranian Missile Threats to Saudi Energy Facilities"
    assert paragraph(cable("06RIYADH9095"), 4).heading == heading


@pytest.mark.parametrize(
    ("identifier", "signature"),
    [
        ("06RIYADH9095", "Gfoeller"),
        ("09SANAA2230", "Seche"),
        ("04ROME2926", "HALL"),  # "HALL NNNN 2004ROME02926 - Classification: ..."
        ("10CARACAS163", "DUDDY"),  # "... END COMMENT. DUDDY"
        ("06BOGOTA9120", "WOOD"),  # followed by "=====CABLE ENDS====="
        ("08LONDON2498", "TUTTLE"),  # "... Classified Website: XXXXXXXXXXXX TUTTLE"
    ],
)
def test_signature_variants(identifier, signature):
    doc = cable(identifier)
    assert doc.signature == signature
    assert signature not in doc.paragraphs[-1].text.split()[-3:]


def test_cable_without_a_signature_keeps_its_last_sentence():
    doc = cable("07MOSCOW1442")
    assert doc.signature == ""
    assert paragraph(doc, 15).text.endswith("worth taking.")


def test_sipdis_between_paragraphs_is_neither_heading_nor_text():
    doc = cable("07TELAVIV3586")
    assert paragraph(doc, 12).heading == ""
    assert "SIPDIS" not in all_text(doc)


def test_text_cut_off_by_dots_is_a_partial_extract():
    body = "SECRET LIMA 000001\n\nSUBJECT: CUT\n\n1. (S) The first one.\n\n2. (S) Cut here\n...\n"
    doc = parse_plain("", body)
    assert paragraph(doc, 2).text == "Cut here"
    assert any("cut off" in warning for warning in doc.warnings)


def test_cable_ends_marker_is_dropped():
    assert "CABLE ENDS" not in all_text(cable("06BOGOTA9120"))


def test_curly_quotes_are_kept():
    assert cable("07ISLAMABAD5388").title == "PAKISTAN’S NEXT PRIME MINISTER?"


def test_lines_of_one_space_read_as_blank_lines():
    doc = cable("09HAVANA492")
    assert paragraph(doc, 6).heading == "Comments"
    assert not any(line and not line.strip() for line in all_text(doc).split("\n"))


def test_header_lists_every_addressee_on_continuation_lines():
    header = cable("08KABUL3176").header
    assert header.to == ["SECSTATE WASHDC", "SECDEF WASHINGTON DC"]
    assert header.info[0] == "USCENTCOM INTEL CEN MACDILL AFB FL"
    assert header.precedence == "IMMEDIATE"


def test_distribution_list_before_the_date_time_group_is_not_info():
    header = cable("09MEXICO1020").header
    assert header.dtg == "081355Z APR 09"
    assert header.info == [
        "ALL US CONSULATES IN MEXICO COLLECTIVE",
        "HQ USNORTHCOM",
        "SECDEF WASHINGTON DC",
    ]


def test_dual_precedence_takes_the_action_precedence():
    assert cable("07STATE156011").header.precedence == "IMMEDIATE"  # "O R 141437Z NOV 07"
    assert cable("09TRIPOLI47").header.precedence == "IMMEDIATE"  # "O P 221547Z JAN 09"


# --- parse_cable on plain text (the release's cables.csv) -----------------------------------
CSV_HEADER = """VZCZCXRO1234
PP RUEHAST
DE RUEHPE #1561/01 1234567
ZNY CCCCC ZZH
Z 011200Z JAN 09
FM AMEMBASSY LIMA
TO RUEHC/SECSTATE WASHDC FLASH 1234
INFO RUEHBO/AMEMBASSY BOGOTA PRIORITY 0001
RUEKJCS/SECDEF WASHDC IMMEDIATE"""

CSV_BODY = """S E C R E T SECTION 01 OF 02 LIMA 001561

NOFORN
SIPDIS

E.O. 12958: DECL: 01/28/2019
TAGS PGOV PK, KISL PGOV
SUBJECT: PLAIN TEXT CABLE

REFS: A) 09 LIMA 1561; 09 SECSTATE 123 B) ROME 2873 (NOTAL)

Classified By: Someone, reason 1.4 (b)

1.(S//REL TO USA, ACGU) First paragraph text
that wraps.
2000. was a year at the start of a line.

Heading Here

2. (C//NF) Second paragraph with a list:
1. list item one
2. list item two
3. (U) Third.
5. (SBU) Fifth after a gap.

RICE
"""


def test_plain_text_cable_reads_header_and_preamble():
    doc = parse_plain(CSV_HEADER, CSV_BODY)
    assert doc.format == "cablegate"
    assert (doc.header.precedence, doc.header.dtg) == ("FLASH", "011200Z JAN 09")
    assert doc.header.info == ["AMEMBASSY BOGOTA", "SECDEF WASHDC"]
    assert doc.subject == doc.title == "PLAIN TEXT CABLE"
    assert doc.tags == ["PGOV", "PK", "KISL"]
    assert doc.classified_by == "Someone, reason 1.4 (b)"


def test_plain_text_cable_keeps_created_as_given():
    doc = parse_plain(CSV_HEADER, CSV_BODY)
    assert doc.created == dt.datetime(2009, 1, 1, 12, 0, tzinfo=UTC)
    assert doc.date == dt.date(2009, 1, 1)


def test_references_split_on_semicolons_and_parenthesised_letters():
    doc = parse_plain(CSV_HEADER, CSV_BODY)
    assert reference_ids(doc) == ["09LIMA1561", "09SECSTATE123", "09ROME2873"]


def test_list_items_and_years_inside_a_paragraph_stay_text():
    doc = parse_plain(CSV_HEADER, CSV_BODY)
    assert numbers(doc) == [1, 2, 3, 5]
    assert paragraph(doc, 1).text == (
        "First paragraph text\nthat wraps.\n2000. was a year at the start of a line."
    )
    assert paragraph(doc, 2).text.endswith("1. list item one\n2. list item two")


def test_long_markings_are_stored_without_parentheses():
    doc = parse_plain(CSV_HEADER, CSV_BODY)
    assert [p.marking for p in doc.paragraphs] == ["S//REL TO USA, ACGU", "C//NF", "U", "SBU"]


def test_skipped_paragraph_numbers_are_kept_with_a_warning():
    doc = parse_plain(CSV_HEADER, CSV_BODY)
    assert "paragraph numbers skip from 3 to 5" in doc.warnings


def test_heading_and_signature_in_plain_text():
    doc = parse_plain(CSV_HEADER, CSV_BODY)
    assert paragraph(doc, 2).heading == "Heading Here"
    assert doc.signature == "RICE"
    assert paragraph(doc, 5).text == "Fifth after a gap."


def test_windows_newlines_and_line_separators_split_lines():
    body = CSV_BODY.replace("\n", "\r\n").replace("that wraps.\r\n", "that wraps.\u2028")
    doc = parse_plain(CSV_HEADER, body)
    assert paragraph(doc, 1).text.startswith("First paragraph text\nthat wraps.\n2000.")
    assert doc.signature == "RICE"


def test_words_are_never_changed():
    body = "UNCLAS LIMA 000001\n\nSUBJECT: TEST\n\n1. (U) Redacted ХХХХХХ (Cyrillic) “quoted” text.\n"
    assert paragraph(parse_plain("", body), 1).text == "Redacted ХХХХХХ (Cyrillic) “quoted” text."


def test_reference_ids_are_normalised():
    found = cited_cables("A. 06 MOSCOW 1306 B. 07 THE HAGUE 2025", "09LIMA1")
    assert [c.reference_id for c in found] == ["06MOSCOW1306", "07THEHAGUE2025"]
    found = cited_cables("09 LIMA 1561; 08 SECSTATE 07089", "09LIMA1")
    assert [c.reference_id for c in found] == ["09LIMA1561", "08SECSTATE7089"]


def test_eo_line_with_an_older_order_and_no_date():
    body = "SECRET LIMA 000001\nE.O. 12356: DECL: OADR\nSUBJECT: OLD\n\n1. (S) Text.\n"
    doc = parse_plain("", body)
    assert doc.declassification == "E.O. 12356: DECL: OADR"
    assert doc.declassify_on is None


# --- Robustness ------------------------------------------------------------------------------
def test_parse_cable_without_reference_id_raises_parse_error():
    with pytest.raises(ParseError, match="no reference ID"):
        parse_plain("", CSV_BODY, identifier="")


def test_page_without_a_cable_table_raises_parse_error():
    with pytest.raises(ParseError):
        parse_cablegate_html("<html><body><pre>text</pre></body></html>")
    with pytest.raises(ParseError):
        parse_cablegate_text("Reference ID\tCreated\tReleased\tClassification\tOrigin\nnot an id\n")


@pytest.mark.parametrize(
    "body",
    [
        "",
        "\n\n\n",
        "1.",
        "¶",
        "(C)",
        "SUBJECT:",
        "REF:",
        "TAGS",
        "E.O. 12958:",
        "-----",
        "\\",
        '"",',
    ],
)
def test_odd_bodies_never_raise(body):
    doc = parse_plain(body, body)
    assert doc.identifier == "09LIMA1561"


def test_ten_megabyte_line_parses_in_linear_time():
    started = time.perf_counter()
    parse_plain("", "UNCLAS LIMA 000001\n\n1. (U) " + "word. -- " * 1_100_000)
    assert time.perf_counter() - started < 10
