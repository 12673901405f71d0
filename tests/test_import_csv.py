"""`import_documents --format cablegate-csv`: the release's cables.csv, streamed, resumable."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from django.core.management import call_command

from archive.importers.cablegate_csv import CablesDialect, CsvRow, parse_row, read_rows
from archive.importers.cablegate_pages import parse_cablegate_html
from archive.models import Document, Paragraph
from tests.conftest import corpus_pages

pytestmark = pytest.mark.django_db

HEADER = (
    "VZCZCXYZ0000\nRR RUEHWEB\n\nDE RUEHPE #3429/01 2901704\nZNY CCCCC ZZH\nR 171704Z OCT 07\n"
    "FM AMEMBASSY LIMA\nTO RUEHC/SECSTATE WASHDC 7146\nINFO RUEKJCS/SECDEF WASHDC\n"
)
BODY = (
    "C O N F I D E N T I A L LIMA 003429\n\nSIPDIS\n\nE.O. 12958: DECL: 03/22/2017\n"
    'TAGS: PGOV MARR PREL PE\nSUBJECT: MOD BRIEFS "SECRETARY" GATES\n\n'
    "REF: A. LIMA 1234\n\nClassified By: Ambassador J. Curtis Struble for reasons 1.4 (b) and (d).\n\n"
    '1. (C) Summary: the \\ minister spoke of "Plan VRAE".\n\n'
    "2. (C) Riverine patrols will double.\n\nNEALON\n"
)


def csv_line(*fields: str) -> str:
    out = io.StringIO()
    csv.writer(out, dialect=CablesDialect, quoting=csv.QUOTE_ALL).writerow(fields)
    return out.getvalue()


def cable_row(
    internal_id="1", created="10/17/2007 17:04", ref="07LIMA3429", refs="07LIMA1234|07STATE5678", body=BODY
) -> str:
    return csv_line(internal_id, created, ref, "Embassy Lima", "CONFIDENTIAL", refs, HEADER, body)


def import_csv(path, **options) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(
            "import_documents",
            str(path),
            format="cablegate-csv",
            stdout=out,
            stderr=err,
            no_index=True,
            **options,
        )
        code = 0
    except SystemExit as exc:
        code = exc.code
    return out.getvalue(), err.getvalue(), code


def page_as_csv_fields(page_text: str, internal_id: int) -> list[str]:
    """A Cablegate site page turned back into the release's CSV columns."""
    cells = re.findall(r"<td>\s*<a[^>]*>(.*?)</a>\s*</td>", page_text, re.S)
    identifier, created, _released, classification, origin = (html.unescape(c.strip()) for c in cells[:5])
    blocks = re.findall(r"<pre>(.*?)</pre>", page_text, re.S)[:2]
    # The site's paragraph anchors (<a id='par5'>¶</a>) are not in the release's CSV.
    blocks = [re.sub(r"<a id='par[^']*' href='#par[^']*'>¶</a>", "", block) for block in blocks]
    header, body = (html.unescape(re.sub(r"<[^>]+>", "", block)) for block in blocks)
    day, time = created.split()
    year, month, date = day.split("-")
    return [
        str(internal_id),
        f"{month}/{date}/{year} {time}",
        identifier,
        origin,
        classification,
        "",
        header,
        body,
    ]


def test_backslash_escapes_and_newlines_inside_fields_are_read(tmp_path):
    rows = list(read_rows(io.StringIO(cable_row())))
    assert len(rows) == 1
    body = rows[0].fields[7]
    assert 'SUBJECT: MOD BRIEFS "SECRETARY" GATES' in body
    assert "the \\ minister" in body
    assert body.count("\n") == BODY.count("\n")


def test_a_row_becomes_a_cable_through_the_shared_parser():
    parsed = parse_row(next(read_rows(io.StringIO(cable_row()))))
    assert parsed.identifier == "07LIMA3429"
    assert parsed.created.isoformat() == "2007-10-17T17:04:00+00:00"
    assert parsed.origin == "Embassy Lima"
    assert parsed.tags == ["PGOV", "MARR", "PREL", "PE"]
    assert parsed.subject == 'MOD BRIEFS "SECRETARY" GATES'
    assert [p.number for p in parsed.paragraphs] == [1, 2]
    assert [r.reference_id for r in parsed.references] == ["07LIMA1234", "07STATE5678"]
    assert parsed.signature == "NEALON"


@pytest.mark.parametrize("page", corpus_pages(), ids=lambda p: p.stem)
def test_corpus_pages_as_csv_rows_parse_like_the_pages(page):
    text = page.read_text(encoding="utf-8")
    from_page = parse_cablegate_html(text)
    from_row = parse_row(CsvRow(1, page_as_csv_fields(text, 1)))
    assert from_row.identifier == from_page.identifier
    assert from_row.classification == from_page.classification
    assert from_row.origin == from_page.origin
    assert from_row.tags == from_page.tags
    assert [p.number for p in from_row.paragraphs] == [p.number for p in from_page.paragraphs]


def test_the_command_imports_rows_with_paragraphs_and_tags(tmp_path):
    path = tmp_path / "cables.csv"
    path.write_text(cable_row() + cable_row("2", ref="07LIMA3430", refs=""), encoding="utf-8")
    out, err, code = import_csv(path)
    assert code == 0, err
    assert "2 created, 0 already imported, 0 failed (2 rows)" in out
    cable = Document.objects.get(identifier="07LIMA3429")
    assert cable.paragraphs.count() == 2
    assert sorted(cable.tags.values_list("name", flat=True)) == ["MARR", "PE", "PGOV", "PREL"]
    assert cable.current_file.format == "cablegate-csv"
    assert cable.current_file.file_name == "cables.csv:1"


def test_malformed_rows_are_reported_with_line_numbers_and_the_rest_imported(tmp_path):
    path = tmp_path / "cables.csv"
    path.write_text(
        cable_row()
        + csv_line("2", "10/17/2007", "07LIMA9")  # three columns
        + cable_row("3", created="yesterday", ref="07LIMA3431")
        + cable_row("4", ref="07LIMA3432"),
        encoding="utf-8",
    )
    out, err, code = import_csv(path)
    assert code == 1
    assert "2 created, 0 already imported, 2 failed" in out
    first_bad_line = 1 + cable_row().count("\n")
    assert f"cables.csv:{first_bad_line}: expected 8 columns, found 3" in err
    assert "is not MM/DD/YYYY HH:MM" in err
    assert set(Document.objects.values_list("identifier", flat=True)) == {"07LIMA3429", "07LIMA3432"}


def test_a_second_run_skips_what_is_already_imported(tmp_path):
    path = tmp_path / "cables.csv"
    path.write_text("".join(cable_row(str(i), ref=f"07LIMA{3000 + i}") for i in range(7)), encoding="utf-8")
    import_csv(path, batch_size=3)
    paragraphs = Paragraph.objects.count()
    out, _, code = import_csv(path, batch_size=3)
    assert code == 0
    assert "0 created, 7 already imported, 0 failed" in out
    assert Paragraph.objects.count() == paragraphs
    assert Document.objects.count() == 7


def test_an_interrupted_import_resumes_where_it_stopped(tmp_path):
    path = tmp_path / "cables.csv"
    rows = [cable_row(str(i), ref=f"07LIMA{3000 + i}") for i in range(6)]
    path.write_text("".join(rows[:4]), encoding="utf-8")
    import_csv(path, batch_size=2)
    path.write_text("".join(rows), encoding="utf-8")
    out, _, _ = import_csv(path, batch_size=2)
    assert "2 created, 4 already imported, 0 failed" in out
    assert Document.objects.count() == 6


def test_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "cables.csv"
    path.write_text(cable_row(), encoding="utf-8")
    out, _, code = import_csv(path, dry_run=True)
    assert code == 0
    assert "1 parsed" in out
    assert not Document.objects.exists()


def test_a_value_too_long_for_its_column_fails_only_its_row(tmp_path):
    path = tmp_path / "cables.csv"
    long_origin = csv_line(
        "2", "10/17/2007 17:04", "07LIMA3430", "Embassy " + "Lima" * 100, "CONFIDENTIAL", "", HEADER, BODY
    )
    path.write_text(cable_row() + long_origin, encoding="utf-8")
    out, err, code = import_csv(path)
    assert code == 1
    assert "1 created, 0 already imported, 1 failed" in out
    assert "characters long" in err
