"""A cable's handling in one value per meaning: markings, precedence, offices, signer, the
classifying official's office, and the declassification date or rule.

The printed forms below are copied from real cables of the release. Plain functions, no
database: run with `pytest tests/test_handling.py -p no:django`.
"""

import datetime as dt
from pathlib import Path

import pytest

from archive.handling import (
    classifying_office,
    declassification_due,
    marking_value,
    office_name,
    office_names,
    precedence_value,
    signer_name,
)
from archive.importers.cablegate_pages import parse_cablegate_html

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"


@pytest.mark.parametrize(
    ("printed", "value"),
    [
        ("S/NF", "S//NF"),
        ("S//NF", "S//NF"),
        ("S NF", "S//NF"),
        ("S/NOFORN", "S//NF"),
        ("S / NF", "S//NF"),
        ("C/NF", "C//NF"),
        ("c//nf", "C//NF"),
        ("S/REL UK", "S//REL"),
        ("S/REL TO UK, PAKISTAN", "S//REL"),
        ("S/ REL TO UK", "S//REL"),
        ("U//FOUO", "U//FOUO"),
        ("SBU", "SBU"),
        ("C", "C"),
        ("S//NF/ORCON", "S//NF/ORCON"),
        ("", ""),
    ],
)
def test_printed_markings_become_one_value(printed, value):
    assert marking_value(printed) == value


def test_an_unknown_caveat_is_kept_as_printed_not_merged():
    assert marking_value("C/F") == "C//F"


@pytest.mark.parametrize(("printed", "value"), [("IMMEDIATE", "IMMEDIATE"), ("flash", "FLASH"), ("", "")])
def test_precedence_is_one_of_the_four(printed, value):
    assert precedence_value(printed) == value


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("SECSTATE WASHDC", "SECSTATE WASHDC"),
        ("RUEHC/SECSTATE WASHDC IMMEDIATE 3751", "SECSTATE WASHDC"),
        ("SECDEF WASHINGTON DC", "SECDEF WASHDC"),
        ("AMEMBASSY TOKYO PRIORITY 1256-1257", "AMEMBASSY TOKYO"),
        ("JOINT STAFF WASHINGTON DC//J-5//", "JOINT STAFF WASHDC"),
        ("AMEMBASSY LA PAZ JAN MONTEVIDEO", "AMEMBASSY LA PAZ"),
        ("AMEMBASSY PORT OF SPAIN", "AMEMBASSY PORT OF SPAIN"),
        ("HQ USSOUTHCOM MIAMI FL", "HQ USSOUTHCOM MIAMI FL"),
    ],
)
def test_offices_are_named_as_the_service_names_them(printed, name):
    assert office_name(printed) == name


def test_page_furniture_among_the_addressees_is_no_office():
    assert office_name("PAGE 02 STATE 015113 182333Z") == ""


def test_an_office_named_twice_is_listed_once():
    assert office_names(["SECDEF WASHDC", "SECDEF WASHINGTON DC", "NSC WASHDC"]) == [
        "SECDEF WASHDC",
        "NSC WASHDC",
    ]


def test_signatures_differ_only_in_case_are_one_signer():
    assert signer_name("Murphy") == signer_name("MURPHY") == "MURPHY"


@pytest.mark.parametrize(
    ("classified_by", "office"),
    [
        ("Ambassador Michele J. Sison, reasons 1.4 (b) and (d).", "Ambassador"),
        ("Amb. David N. Greenlee for reasons 1.4 (b) and (d).", "Ambassador"),
        ("DUDDY, AMBASSADOR, DOS, AMB; REASON: 1.4(B), (D)", "Ambassador"),
        ("CDA Ambassador Richard Erdman for reasons 1.4 (B) and (D )", "Chargé d'Affaires"),
        ("Charge d’Affaires Michael Corbin for reasons 1.4(b,d)", "Chargé d'Affaires"),
        ("CHARGE D'AFFAIRES A. I. CAROL URBAN, REASONS 1.4 B/D", "Chargé d'Affaires"),
        (
            "Chris Stevens, CDA, Embassy Tripoli, Department of State. REASON: 1.4 (b), (d)",
            "Chargé d'Affaires",
        ),
        ("DCM JAMES F. ENTWISTLE. REASON: 1.4 (B,D).", "Deputy Chief of Mission"),
        ("A/DCM Michael J. Fitzpatrick. Reasons 1.4 (b,d)", "Deputy Chief of Mission"),
        (
            "Deputy Chief of Mission Matthew H. Tueller for reasons 1.4 (b) and (d).",
            "Deputy Chief of Mission",
        ),
        ("COM Michael E. Parmly; Reasons 1.4 (b/d)", "Chief of Mission"),
        ("Political Counselor Jeffrey DeLaurentis. Reasons: 1.4 (b,d)", "Political Counselor"),
        ("PolCouns Geoff Pyatt for reasons 1.4 (B,D)", "Political Counselor"),
        ("POLITICAL MINISTER-COUNSELOR LESLIE A. BASSETT, REASONS: 1.4(B/D).", "Political Counselor"),
        (
            "MINISTER COUNSELOR FOR POLITICAL AFFAIRS GEORGE GLASS FOR REASONS 1.4 (B) AND (D)",
            "Political Counselor",
        ),
        ("Pol/Econ Counselor Eric Sandberg, Reasons 1.4 b/d", "Political-Economic Counselor"),
        ("E/Pol Counselor Juan A. Alsace for reasons 1.4 (B) & (d)", "Political-Economic Counselor"),
        (
            "Economic-Political Minister-Counselor Donald A. Blome for reasons 1.4 (d).",
            "Political-Economic Counselor",
        ),
        ("Darnall Steuart, Economic Counselor, DOS, Econ; REASON: 1.4(B), (D)", "Economic Counselor"),
        ("Econ MC Eric Schultz for Reasons 1.4 (b/d)", "Economic Counselor"),
        ("Bruce Williamson, Consul General, Monterrey, State. REASON: 1.4 (b), (d)", "Consul General"),
        ("Principal Officer Jonathan Farrar for reasons 1.4 (b) an d (d).", "Principal Officer"),
        ("ELISSA G. PITTERLE, DIRECTOR, INR/OPS. REASON: 1.4(C).", "Director"),
    ],
)
def test_the_classifying_officials_office(classified_by, office):
    assert classifying_office(classified_by) == office


def test_a_name_alone_gives_no_office():
    assert classifying_office("Anne W. Patterson, for reasons 1.4 (b)(d)") == ""


def test_words_after_the_reasons_do_not_name_the_official():
    assert classifying_office("Anne W. Patterson, reasons 1.4 (b), (d) per the Ambassador") == ""


CREATED = dt.date(2007, 10, 17)


def test_a_printed_decl_date_is_the_date_due():
    assert declassification_due("E.O. 12958: DECL: 10/16/2017", dt.date(2017, 10, 16), CREATED) == (
        dt.date(2017, 10, 16),
        "",
    )


@pytest.mark.parametrize(
    ("printed", "due"),
    [
        ("E.O. 12958: DECL: TWENTY YEARS", dt.date(2027, 10, 17)),
        ("E.O. 12958: DECL: 25 YEARS", dt.date(2032, 10, 17)),
        ("E.O. 12958: DECL: 10 YRS", dt.date(2017, 10, 17)),
    ],
)
def test_a_rule_in_years_is_counted_from_the_cables_date(printed, due):
    assert declassification_due(printed, None, CREATED) == (due, "")


def test_years_from_a_leap_day_end_on_the_last_day_of_february():
    assert declassification_due("DECL: 25 YEARS", None, dt.date(2008, 2, 29)) == (dt.date(2033, 2, 28), "")


@pytest.mark.parametrize(
    ("printed", "rule"),
    [
        ("E.O. 12958: DECL: OADR", "OADR"),
        ("E.O. 12958: DECL: 1.6X1", "X1"),
        ("E.O. 12958: DECL: 25X6", "X6"),
        ("E.O. 12958: N/A", "N/A"),
        ("EO 12958 N/A", "N/A"),
        ("E.O. 12958: n/a", "N/A"),
    ],
)
def test_a_rule_that_gives_no_date_is_kept_as_a_value_of_its_own(printed, rule):
    assert declassification_due(printed, None, CREATED) == (None, rule)


def test_a_line_without_any_rule_gives_nothing():
    assert declassification_due("", None, CREATED) == (None, "")


def test_every_corpus_cable_with_routing_has_offices_and_a_precedence():
    """The 38 corpus pages that print their routing header all yield named offices."""
    read = 0
    for page in sorted(CORPUS.rglob("*.html")):
        doc = parse_cablegate_html(page.read_text(encoding="utf-8"))
        if not doc.header.dtg:
            continue
        read += 1
        assert precedence_value(doc.header.precedence), page.stem
        assert office_names(doc.header.to), page.stem
    assert read >= 30
