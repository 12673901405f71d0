"""Every real cable read whole: front matter out of the text, release records, references as
IDs, tags from any TAGS line. Real pages of the development set (tests/data/dev)."""

from __future__ import annotations

import datetime as dt

import pytest

from archive.importers.cable_references import cited_cables
from archive.importers.cables import parse_cable
from archive.importers.fidelity import header_residue
from archive.importers.loader import decode, parse_text
from tests.conftest import SEED_FILES

UTC = dt.UTC


@pytest.fixture(scope="module")
def cable(dev_page):
    """A development-set page, parsed."""
    cache = {}

    def parsed(identifier: str):
        if identifier not in cache:
            cache[identifier] = parse_text(decode(dev_page(identifier).read_bytes()).text)
        return cache[identifier]

    return parsed


def numbers(doc) -> list[int]:
    return [p.number for p in doc.paragraphs]


def text_of(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def ids(doc) -> list[str | None]:
    return [r.reference_id for r in doc.references]


# --- Release records in the body ----------------------------------------------------------------


def test_a_release_record_gives_the_created_time_to_the_minute(cable):
    # The site's table prints 20:08 (the hour twice); the record says 4/11/2002 20:44.
    assert cable("02BOGOTA3281").created == dt.datetime(2002, 4, 11, 20, 44, tzinfo=UTC)


@pytest.mark.parametrize(
    ("identifier", "layout_text"),
    [
        ("02BOGOTA3281", "refid: 02BOGOTA3281"),  # labelled
        ("06MEXICO1311", "55988"),  # unlabelled, one value a line
        ("04THEHAGUE1846", "19006"),  # unlabelled, blank lines between the values
        ("09THEHAGUE543", '224468,9/10/2009 14:35,09THEHAGUE543,"Embassy The'),  # a CSV row
        ("09BERN351", "2009-08-24 05:53:00\t09BERN351"),  # a tab-separated row
        ("08BERN443", "167757\t2008-08-28 15:09:00"),  # tab-separated, led by the record ID twice
    ],
)
def test_a_release_record_is_kept_as_header_text_never_in_a_paragraph(cable, identifier, layout_text):
    doc = cable(identifier)
    assert layout_text in doc.header_text
    assert layout_text.split("\t")[0] not in text_of(doc)
    assert header_residue(text_of(doc)) is None


def test_the_whole_text_after_a_record_replaces_the_partial_extract(cable):
    doc = cable("04THEHAGUE1846")
    assert doc.partial_extract is False
    assert numbers(doc) == list(range(1, 8))
    assert "..." not in text_of(doc).split("\n")
    assert doc.paragraphs[0].text.startswith("Summary: Post coordinated a July 21 briefing")


def test_a_partial_extract_without_the_whole_text_says_so(cable):
    doc = cable("05SANAA1352")
    assert doc.partial_extract is True


def test_the_record_header_fills_the_header_the_page_lacks(cable):
    doc = cable("09THEHAGUE543")
    assert doc.header.dtg == "101435Z SEP 09"
    assert doc.header.from_ == "AMEMBASSY THE HAGUE"
    assert "SECSTATE WASHDC" in doc.header.to


def test_a_record_of_another_cable_is_not_merged(cable):
    doc = cable("10ASUNCION71")  # its body holds 09ASUNCION13's record and text
    assert doc.identifier == "10ASUNCION71"
    assert doc.created.date() == dt.date(2010, 2, 11)
    assert "09ASUNCION1" not in ids(doc) and "09ASUNCION3" not in [
        r.reference_id for r in doc.references if not r.text
    ]
    assert any("09ASUNCION13" in w and "10ASUNCION71" in w for w in doc.warnings)
    assert "refid: 09ASUNCION13" in doc.header_text


def test_ids_only_the_record_lists_are_added_without_text():
    body = (
        "id: 1\ndate: 1/2/2009 10:05\nrefid: 09LIMA5\norigin: Embassy Lima\nclassification: SECRET\n"
        "destination: 09LIMA1|08STATE7|09LIMA5\nheader:\nP 021005Z JAN 09\nFM AMEMBASSY LIMA\n"
        "TO SECSTATE WASHDC\n----------------- header ends ----------------\n"
        "S E C R E T LIMA 000005\n\nSUBJECT: TEST\nREF: LIMA 1\n\n1. (S) Text.\n"
    )
    doc = parse_cable(
        "", body, identifier="09LIMA5", created=None, released=None, classification="", origin=""
    )
    assert [(r.text, r.reference_id) for r in doc.references] == [("LIMA 1", "09LIMA1"), (None, "08STATE7")]
    assert doc.created == dt.datetime(2009, 1, 2, 10, 5, tzinfo=UTC)
    assert doc.header.from_ == "AMEMBASSY LIMA"


# --- The front matter -----------------------------------------------------------------------


def test_glued_front_matter_is_read_field_by_field(cable):
    # "Cable dated:2005-05-23T14:26:00" / "S E C R E T … SANAA 001352SIPDISE.O. 12958: DECL:
    # 05/21/2015TAGS: PREL …" on one line in the page.
    doc = cable("05SANAA1352")
    assert doc.declassification == "E.O. 12958: DECL: 05/21/2015"
    assert doc.tags[:4] == ["PREL", "PGOV", "PTER", "PINR"]
    assert numbers(doc)[0] == 1
    assert "SIPDIS" in doc.header_text.split("\n") and "Cable dated:2005-05-23T14:26:00" in doc.header_text


def test_routing_and_for_lines_are_header_text(cable):
    doc = cable("09RIYADH1557")
    assert (
        "DOE FOR S2, AL HEGBURG, AND BILL BRYAN DEPT FOR S/CIEA, EEB/ESC DAS HENGEL, AND NEA/ARP"
        in doc.header_text
    )
    assert doc.tags == ["ENRG", "EPET", "PREL", "SA"]
    assert numbers(doc)[0] == 1


@pytest.mark.parametrize(
    ("identifier", "classified_by"),
    [
        # "… for reasons 1." / "4(b) and (d)."
        ("09MADRID59", "Deputy Chief of Mission Arnold A. Chacon, for reasons 1.4(b) and (d)."),
        # "… reasons 1.4 (b),(d" / ")"
        ("08ANKARA537", "Political Counselor Janice G. Weiner, reasons 1.4 (b),(d )"),
        # "(U) Classified by …" / "Reason:1.5(b)(d)."
        ("03ANKARA4767", "Charge d'Affaires a.i. Robert S. Deutsch. Reason:1.5(b)(d)."),
    ],
)
def test_classified_by_is_read_over_its_lines(cable, identifier, classified_by):
    doc = cable(identifier)
    assert doc.classified_by == classified_by
    assert numbers(doc)[0] == 1


def test_reference_items_continued_on_later_lines(cable):
    doc = cable("06NEWDELHI3506")
    assert ids(doc) == [
        "06NEWDELHI3248",
        "06NEWDELHI3199",
        "06NEWDELHI2561",
        "06NEWDELHI2539",
        "06NEWDELHI2363",
    ]
    assert doc.classified_by == "PolCouns Geoff Pyatt for reasons 1.4 (B,D)"


def test_reference_items_whose_label_is_lost_are_still_references(cable):
    doc = cable("06SAOPAULO348")  # "(B) Sao Paulo 215;" / "(C) 05 Sao Paulo 975" after the TAGS line
    assert ids(doc) == ["06SAOPAULO215", "05SAOPAULO975"]


def test_real_text_before_paragraph_one_stays_paragraph_zero(cable):
    assert cable("09ANKARA477").paragraphs[0].number == 0
    assert cable("09ANKARA477").paragraphs[0].text == "This is a joint Embassy Ankara/Consulate Adana Cable."
    assert cable("07LIMA2129").paragraphs[0].text == "Sensitive But Unclassified, Please Handle Accordingly."


def test_a_sentence_opening_with_ref_is_text_not_a_reference_line(cable):
    doc = cable("05SANJOSE2795")  # "Per Ref. A, post contacted …" / "Ref. B, Costa Rica remains …"
    assert "Ref. B, Costa Rica remains committed" in text_of(doc)
    assert "Per Ref. A" not in doc.header_text


def test_a_lower_case_letter_spaced_banner_opens_the_body(cable):
    doc = cable("07STATE135366")  # "S e c r e t state 135366"
    assert doc.header_text.startswith("S e c r e t state 135366")
    assert numbers(doc)[0] == 1


# --- TAGS -------------------------------------------------------------------------------------


def test_lower_case_tags_are_upper_cased(cable):
    assert cable("07STATE135366").tags == ["PARM", "MTCRE", "PREL", "ETTC", "GM", "SY"]


def test_a_tag_line_without_s_or_colon_is_read(cable):
    assert cable("10TELAVIV413").tags == ["ECON", "PTER", "KPAL", "KTFN", "IS"]


def test_a_tags_line_glued_to_the_line_before(cable):
    assert cable("06ANKARA331").tags == ["MARR", "MASS", "MOPS", "PREL", "PGOV", "TU", "IZ", "AF", "RU"]


def test_a_hyphenated_code_is_one_tag():
    body = "CONFIDENTIAL HARARE 000001\n\nTAGS: PGOV, ZANU-PF, zi\nSUBJECT: TEST\n\n1. (C) Text.\n"
    doc = parse_cable(
        "", body, identifier="09HARARE1", created=None, released=None, classification="", origin=""
    )
    assert doc.tags == ["PGOV", "ZANU-PF", "ZI"]


# --- References as reference IDs -----------------------------------------------------------------


def test_references_take_the_citing_cables_year_and_the_release_office_codes(cable):
    assert [(r.text, r.reference_id) for r in cable("02BOGOTA3281").references] == [
        ("BOGOTA 3101", "02BOGOTA3101")
    ]
    assert ids(cable("09THEHAGUE572"))[:2] == ["09SECSTATE93374", "08THEHAGUE757"]
    assert ids(cable("09MONTERREY284"))[0] == "08MONTERREY390"  # "2008 MONTERREY 390"
    assert ids(cable("10MEXICO294")) == ["09CIUDADJUAREZ339", "09MEXICO3175"]
    assert ids(cable("09MEXICO2701")) == ["09MEXICO2636", "09MEXICO2556", "09MEXICO2675"]  # "MEXICO CITY"


def test_a_note_after_a_reference_is_kept_apart(cable):
    first = cable("04THEHAGUE1846").references[0]
    assert (first.text, first.reference_id, first.note) == (
        "THE HAGUE 1796 (NOTAL)",
        "04THEHAGUE1796",
        "NOTAL",
    )


def test_items_that_cite_no_cable_keep_their_text_and_no_id():
    found = cited_cables("A. YOUR EMAIL OF 3/5 B. MEMCON C. 08 STATE 12 D. IIR 6 902 9698 06", "09LIMA1")
    assert [(c.text, c.reference_id) for c in found] == [
        ("YOUR EMAIL OF 3/5", None),
        ("MEMCON", None),
        ("08 STATE 12", "08STATE12"),
        ("IIR 6 902 9698 06", None),
    ]


# --- One cable, two renditions ----------------------------------------------------------------------


def test_the_site_page_and_the_saved_text_of_07lima3429_read_alike(cable):
    page = cable("07LIMA3429")
    saved = parse_text(decode(SEED_FILES["cable"].read_bytes()).text)

    def paragraphs(doc):
        return [(p.number, p.marking, p.heading, " ".join(p.text.split())) for p in doc.paragraphs]

    assert paragraphs(page) == paragraphs(saved)
    assert page.header == saved.header
    assert page.tags == saved.tags
    assert (page.subject, page.declassification, page.signature) == (
        saved.subject,
        saved.declassification,
        saved.signature,
    )


# --- Honest numbering and times ------------------------------------------------------------------


def test_a_cables_own_numbers_are_the_sources_and_paragraph_zero_the_archives(cable):
    doc = cable("09ANKARA477")
    assert [(p.number, p.numbered_by) for p in doc.paragraphs[:2]] == [(0, "archive"), (1, "source")]


def test_the_blocks_of_an_unnumbered_cable_are_numbered_by_the_archive(cable):
    doc = cable("05SANJOSE2795")  # its one paragraph has no number in the source
    assert {p.numbered_by for p in doc.paragraphs} == {"archive"}


def test_a_time_the_site_printed_with_the_hour_twice_is_known_to_the_hour(cable):
    doc = cable("05SANAA1352")  # a partial extract: no header, no date-time group, no record
    assert (doc.created.minute, doc.created_precision) == (0, "hour")
    assert doc.released_precision == "hour"


def test_a_time_from_the_date_time_group_is_known_to_the_minute(cable):
    doc = cable("07LIMA3429")
    assert (doc.created.strftime("%H:%M"), doc.created_precision) == ("17:04", "minute")
