"""The glossary of cable TAGS codes (fixtures/tag_glossary.json) and `manage.py load_reference_data`:
codes get their State Department, FIPS 10-4 or organisation description; tokens that are not codes
get none and are reported, with the codes in use that still lack one."""

from __future__ import annotations

import importlib
import io
import json
from pathlib import Path

import pytest
from admin_support import make_document
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from archive.models import Tag
from archive.reference_data import FIXTURES, glossary_report, not_a_code, read_fixture

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"


def subject(name: str) -> Tag:
    tag, _ = Tag.objects.get_or_create(name=name, defaults={"kind": Tag.Kind.SUBJECT})
    return tag


def load_reference_data() -> list[str]:
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    return out.getvalue().splitlines()


def glossary() -> dict[str, dict]:
    return {entry["code"]: entry for entry in read_fixture("tag_glossary.json")}


def test_the_codes_staff_missed_have_their_descriptions():
    for code, words in {
        "KIPR": "Intellectual property",
        "SNAR": "narcotics",
        "EINT": "Internet",
        "RU": "Russia",
        "EU": "European Union",
        "CY": "Cyprus",
        "UV": "Burkina Faso",
        "OPCW": "Chemical Weapons",
    }.items():
        assert words in Tag.objects.get(name=code).description, code


def test_every_glossary_entry_names_where_its_description_comes_from():
    sources = {entry["source"] for entry in glossary().values()}
    assert sources == {"TAGS", "FIPS 10-4", "ISO 3166-1", "acronym"}
    assert glossary()["PREL"]["source"] == "TAGS"
    assert glossary()["RS"]["source"] == "FIPS 10-4"
    assert glossary()["RU"]["source"] == "ISO 3166-1"


def test_guesses_about_one_cable_are_no_descriptions():
    for code in ["MAR", "ENVR", "WTRQ"]:
        assert code not in glossary()
        assert not Tag.objects.filter(name=code).exclude(description="").exists()


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("WITH", "a word"),
        ("AMBASSADOR", "a word or a name"),
        ("POLITICS", "a word or a name"),
        ("VTPREL", "codes run together (VT PREL)"),
        ("ASECKFRDCVISKIRFPHUMSMIGEG", "codes run together (ASEC KFRD CVIS KIRF PHUM SMIG EG)"),
        ("PREL", ""),
        ("IN", ""),
        ("XM", ""),
        ("KSUM", ""),
    ],
)
def test_it_tells_tokens_that_are_not_codes(token, reason):
    codes = frozenset(glossary())
    assert not_a_code(token, codes) == reason


def test_the_command_reports_tags_in_use_that_are_not_codes_with_their_counts():
    meetings, ambassador, with_ = subject("MEETINGS"), subject("AMBASSADOR"), subject("WITH")
    make_document("04BUENOSAIRES3067", tags=(subject("PHUM"), meetings, with_, ambassador))
    make_document("02VATICAN3692", tags=(subject("VT"), subject("VTPREL"), ambassador))

    lines = load_reference_data()

    start = lines.index("4 tags in use that are not TAGS codes (no description is given to them):")
    assert lines[start + 1 : start + 5] == [
        "  AMBASSADOR: a word or a name, 2 documents",
        "  MEETINGS: a word or a name, 1 document",
        "  VTPREL: codes run together (VT PREL), 1 document",
        "  WITH: a word, 1 document",
    ]
    for name in ["AMBASSADOR", "MEETINGS", "VTPREL", "WITH"]:
        assert Tag.objects.get(name=name).description == ""


def test_the_command_lists_the_codes_in_use_that_still_lack_a_description():
    xm, ksum = subject("XM"), subject("KSUM")
    make_document("09QUITO703", tags=(subject("EC"), xm))
    make_document("10MEXICO141", tags=(xm, ksum, subject("MX")))
    subject("XZ")  # on no document: not listed

    lines = load_reference_data()

    assert lines[0].endswith(f"sources, {len(glossary())} TAGS codes in the glossary")
    start = lines.index("2 codes in use without a description (add them to fixtures/tag_glossary.json):")
    assert lines[start + 1 :] == ["  XM: 2 documents", "  KSUM: 1 document"]


def test_a_code_staff_described_is_not_listed_and_keeps_its_text():
    goi = subject("GOI")
    goi.description = "Government of Israel, as Embassy Tel Aviv tags it."
    goi.save()
    pgov = Tag.objects.get(name="PGOV")
    pgov.description = "Internal politics (our wording)."
    pgov.save()
    make_document("05TELAVIV1593", tags=(goi, pgov))

    assert load_reference_data()[-1].startswith("0 codes in use without a description")
    assert Tag.objects.get(name="PGOV").description == "Internal politics (our wording)."


def test_the_report_over_real_pages(import_file, dev_page):
    for page in [
        dev_page("05SANAA1352"),
        dev_page("09BAKU20"),
        dev_page("09MADRID59"),
        CORPUS / "2009" / "08" / "09USNATO334.html",
    ]:
        import_file(page)

    report = glossary_report(Tag)

    assert [(t.name, t.reason) for t in report.not_codes] == [
        ("DOMESTIC", "a word or a name"),
        ("POLITICS", "a word or a name"),
    ]
    assert [t.name for t in report.undescribed] == ["KSUM", "MAR", "PRL"]


def test_a_database_made_before_the_glossary_grew_gets_the_new_descriptions():
    migration = importlib.import_module("archive.migrations.0010_reload_tag_glossary")
    old = migration.RETIRED["MAR"]
    Tag.objects.filter(name="MAR").delete()
    Tag.objects.create(name="MAR", kind=Tag.Kind.SUBJECT, description=old)
    Tag.objects.filter(name__in=["KIPR", "RU"]).delete()
    subject("RU")  # imported from a cable before the glossary had it

    # The models as the migration sees them: no save() that renders the description.
    before = MigrationExecutor(connection).loader.project_state(("archive", "0009_honest_numbering"))
    migration.reload_tag_glossary(before.apps, schema_editor=None)

    assert Tag.objects.get(name="MAR").description == ""
    ru = Tag.objects.get(name="RU")
    assert "Russia" in ru.description
    assert "Russia" in ru.description_html
    assert "Intellectual property" in Tag.objects.get(name="KIPR").description_html


def test_the_glossary_file_is_plain_json_sorted_by_code():
    entries = json.loads((FIXTURES / "tag_glossary.json").read_text(encoding="utf-8"))
    codes = [entry["code"] for entry in entries]
    assert codes == sorted(codes)
    assert len(codes) == len(set(codes))
