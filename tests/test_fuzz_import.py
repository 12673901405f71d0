"""Importer fuzzing: damaged files fail with a one-line reason or import faithfully.

Hypothesis damages the seed files and the corpus pages — truncated, spliced, bytes flipped,
huge lines, NUL bytes, mixed line endings, every encoding mistake — and checks the
importer's promises:

- nothing raises past ImportProblem: a file fails with a short one-line reason, never with
  the "could not be parsed (SomeError: …)" that means a parser bug;
- a file that imports keeps its bytes exactly (its source file's data and sha256);
- identifiers are valid (a cable's reference ID, an article's date-and-slug), paragraph
  numbers unique non-negative integers with anchor "p<n>", every value fits its column.

Examples per test: QUIPU_FUZZ_EXAMPLES (default 60), e.g.
`QUIPU_FUZZ_EXAMPLES=2000 .venv/bin/pytest tests/test_fuzz_import.py`.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import time
from functools import cache
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from archive.importers import loader
from archive.importers.base import ParsedDocument
from archive.models import Document, Paragraph, Source, Tag
from tests.conftest import SEED_FILES, corpus_pages

FUZZ_EXAMPLES = int(os.environ.get("QUIPU_FUZZ_EXAMPLES", "60"))
fuzz = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the checkout
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,  # the database is rolled back per example
    ],
)
# No parse may take longer than this, whatever the input (the parsers are linear).
PARSE_SECONDS = 10.0

CABLE_ID = re.compile(r"[0-9]{2}[A-Z][A-Z0-9-]{1,40}[0-9]", re.ASCII)
ARTICLE_ID = re.compile(r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|undated)-[a-z0-9_-]*[a-z0-9_]", re.ASCII)
# The reason the loader gives when a parser raised something other than ImportProblem.
PARSER_BUG = "could not be parsed ("
DUPLICATE_NUMBERS = "duplicate paragraph numbers"


@cache
def originals() -> tuple[bytes, ...]:
    return tuple(path.read_bytes() for path in [*SEED_FILES.values(), *corpus_pages()])


# Damage -------------------------------------------------------------------------------------------

NASTY_BYTES = [
    b"\x00",
    b"\xed\xa0\x80",  # a UTF-8-encoded lone surrogate
    b"\xed\xbf\xbf",
    b"\xc0\xaf",  # an overlong "/"
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xef\xbb\xbf",  # a BOM in the middle
    b"\x81\x8d\x8f\x90\x9d",  # undefined in Windows-1252
    b"\xe2\x80\xae",  # U+202E RIGHT-TO-LEFT OVERRIDE
    b"\xe2\x80\xa8",  # U+2028 LINE SEPARATOR
    b"\r",
    b"\r\n",
    b"\x0b\x0c\x1b",
    b"\xf4\x90\x80\x80",  # above U+10FFFF
]
ENCODINGS = ["latin-1", "cp1252", "mac_roman", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp437"]


def as_text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def double_encoded(raw: bytes) -> bytes:
    """UTF-8 read as Windows-1252 and saved as UTF-8 again ("Ã©" for "é")."""
    return as_text(raw).encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")


def reencoded(raw: bytes, encoding: str) -> bytes:
    return as_text(raw).encode(encoding, errors="replace")


def with_line_endings(raw: bytes, mode: str, seed: int) -> bytes:
    if mode == "mixed":
        pieces = raw.split(b"\n")
        endings = [b"\n", b"\r\n", b"\r", "\u2028".encode(), b"\n\r"]
        return (
            b"".join(piece + endings[(seed + i * 7) % len(endings)] for i, piece in enumerate(pieces[:-1]))
            + pieces[-1]
        )
    return raw.replace(b"\n", {"crlf": b"\r\n", "cr": b"\r", "ls": "\u2028".encode()}[mode])


@st.composite
def damage(draw, raw: bytes) -> bytes:
    """One kind of damage applied to raw."""
    size = len(raw)
    position = draw(st.integers(0, size))
    kind = draw(
        st.sampled_from(
            [
                "truncate",
                "splice",
                "flip",
                "insert-bytes",
                "insert-text",
                "huge-line",
                "line-endings",
                "encoding",
                "double-encoded",
                "bom",
                "duplicate-chunk",
                "delete-chunk",
            ]
        )
    )
    if kind == "truncate":
        return raw[:position]
    if kind == "splice":
        other = draw(st.sampled_from(originals()))
        return raw[:position] + other[draw(st.integers(0, len(other))) :]
    if kind == "flip":
        data = bytearray(raw)
        for at in draw(st.lists(st.integers(0, max(size - 1, 0)), min_size=1, max_size=20)):
            if data:
                data[at] = draw(st.integers(0, 255))
        return bytes(data)
    if kind == "insert-bytes":
        return raw[:position] + draw(st.sampled_from(NASTY_BYTES)) * draw(st.integers(1, 3)) + raw[position:]
    if kind == "insert-text":
        text = draw(st.text(st.characters(codec="utf-8"), max_size=300))
        return raw[:position] + text.encode("utf-8") + raw[position:]
    if kind == "huge-line":
        unit = draw(
            st.sampled_from([b"A", b"word ", b"1. (C) ", b"-", b"(", b"\t", b"\xc3\xa9", b"SUBJECT: "])
        )
        return raw[:position] + unit * (draw(st.integers(50_000, 400_000)) // len(unit)) + raw[position:]
    if kind == "line-endings":
        return with_line_endings(raw, draw(st.sampled_from(["crlf", "cr", "ls", "mixed"])), position)
    if kind == "encoding":
        return reencoded(raw, draw(st.sampled_from(ENCODINGS)))
    if kind == "double-encoded":
        return double_encoded(raw)
    if kind == "bom":
        bom = draw(
            st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32])
        )
        return bom + raw
    length = draw(st.integers(1, 5000))
    if kind == "duplicate-chunk":
        return raw[:position] + raw[position : position + length] * 2 + raw[position + length :]
    return raw[:position] + raw[position + length :]  # delete-chunk


@st.composite
def damaged_files(draw) -> bytes:
    raw = draw(st.sampled_from(originals()))
    for _ in range(draw(st.integers(1, 3))):
        raw = draw(damage(raw))
    return raw


# Made-up documents: many paragraphs, odd numbering, hostile metadata ----------------------------


def cable_page(identifier: str = "07LIMA3429", paragraphs: list[str] = (), cells=None) -> str:
    cells = cells or [identifier, "2007-10-17 17:04", "2011-08-30 01:44", "CONFIDENTIAL", "Embassy Lima"]
    body = "\n\n".join(paragraphs)
    return (
        f"Viewing cable {identifier}, A SUBJECT\n\n"
        "Reference ID  Created  Released  Classification  Origin\n"
        + "  ".join(cells)
        + "\n\nP 171704Z OCT 07\nFM AMEMBASSY LIMA\nTO SECSTATE WASHDC PRIORITY 7230\n\n"
        + "C O N F I D E N T I A L LIMA 003429\n\nE.O. 12958: DECL: 10/17/2017\nTAGS: PGOV MARR PE\n"
        + f"SUBJECT: A SUBJECT\n\nClassified By: Someone, reasons 1.4 (b) and (d).\n\n{body}\n\nNEALON\n"
    )


paragraph_numbers = st.lists(st.integers(0, 30), min_size=1, max_size=30)


@st.composite
def made_up_files(draw) -> bytes:
    kind = draw(st.sampled_from(["cable-numbers", "cable-cells", "article-lines"]))
    if kind == "cable-numbers":
        numbers = draw(paragraph_numbers)
        marking = draw(st.sampled_from(["", "(C) ", "(SBU) ", "(S//NF) "]))
        text = cable_page(paragraphs=[f"{n}. {marking}Paragraph text {n}." for n in numbers])
    elif kind == "cable-cells":
        cell = st.text(st.characters(codec="utf-8", exclude_characters="\n\r\t"), min_size=1, max_size=400)
        cells = ["07LIMA3429", "2007-10-17 17:04", "2011-08-30 01:44", draw(cell), draw(cell)]
        if draw(st.booleans()):
            cells[0] = draw(st.from_regex(r"\A[0-9٠-٩]{2}[A-Za-z][A-Za-z0-9-]{1,8}[0-9٠-٩]\Z"))
        text = cable_page(cells[0], ["1. (C) Text."], cells=cells)
    else:
        line = st.text(st.characters(codec="utf-8"), min_size=1, max_size=200)
        lines = draw(st.lists(st.one_of(line, st.sampled_from(METADATA_LINES)), min_size=1, max_size=12))
        text = "\n\n".join(lines)
    return text.encode("utf-8")


METADATA_LINES = [
    "Source: andina",
    "Source: ANDINA",
    "Source: Foo Bar",
    "Source: foo-bar",
    "Source: " + "x" * 80,
    "By Jane Doe",
    "By " + "Name " * 8,
    "Published: 10/6/2022",
    "December 15, 2014",
    "21:30 | Lima, Oct. 6.",
    "LIMA, Peru, Oct. 6, 2007 – Defense Secretary spoke.",
    "American Forces Press Service",
    "DoD News",
    "Related Articles:",
    "Title of the article here",
]


# Checks -------------------------------------------------------------------------------------------


def column_limits(model) -> dict[str, int]:
    return {f.name: f.max_length for f in model._meta.concrete_fields if getattr(f, "max_length", None)}


def assert_clean_reason(reason: str) -> None:
    assert reason, "a failure without a reason"
    assert "\n" not in reason and "\r" not in reason, f"reason spans lines: {reason!r}"
    assert len(reason) <= 300, reason
    assert PARSER_BUG not in reason, f"a parser raised: {reason}"
    assert DUPLICATE_NUMBERS not in reason, f"a parser numbered two paragraphs alike: {reason}"


def assert_valid_identifier(parsed: ParsedDocument, identifier: str) -> None:
    pattern = CABLE_ID if parsed.type == Document.Type.CABLE else ARTICLE_ID
    assert pattern.fullmatch(identifier), f"invalid {parsed.type} identifier {identifier!r}"


def assert_valid_paragraphs(numbers: list[int], anchors: list[str]) -> None:
    assert all(isinstance(n, int) and n >= 0 for n in numbers), numbers
    assert len(numbers) == len(set(numbers)), f"duplicate paragraph numbers: {numbers}"
    assert anchors == [f"p{n}" for n in numbers]


def assert_fits_columns(parsed: ParsedDocument, identifier: str) -> None:
    """Every value fits its column: PostgreSQL refuses what SQLite silently stores."""
    document = column_limits(Document)
    values = {
        "identifier": identifier,
        "venue": parsed.venue,
        "byline": parsed.byline,
        "dateline": parsed.dateline,
        "classification": parsed.classification,
        "origin": parsed.origin,
        "header_dtg": parsed.header.dtg,
        "header_precedence": parsed.header.precedence,
        "header_from": parsed.header.from_,
        "declassification": parsed.declassification,
        "signature": parsed.signature,
    }
    for name, value in values.items():
        assert len(value) <= document[name], f"{name} is {len(value)} characters: {value[:80]!r}…"
    assert len(parsed.source) <= column_limits(Source)["name"]
    assert all(len(tag) <= column_limits(Tag)["name"] for tag in parsed.tags)
    paragraph = column_limits(Paragraph)
    for p in parsed.paragraphs:
        assert len(p.marking) <= paragraph["marking"] and len(p.anchor) <= paragraph["anchor"]


def parse_or_refuse(raw: bytes) -> ParsedDocument | None:
    """The loader's steps before the database: a document, or None with a clean reason."""
    started = time.monotonic()
    try:
        parsed = loader.parse_text(loader.decode(raw).text)
        loader.validate(parsed)
    except loader.ImportProblem as problem:
        assert_clean_reason(str(problem))
        return None
    finally:
        assert time.monotonic() - started < PARSE_SECONDS, f"parsing {len(raw):,} bytes took too long"
    identifier = loader.identifier_for(parsed)
    assert_valid_identifier(parsed, identifier)
    assert_valid_paragraphs([p.number for p in parsed.paragraphs], [p.anchor for p in parsed.paragraphs])
    assert_fits_columns(parsed, identifier)
    return parsed


def import_and_check(path: Path, raw: bytes) -> loader.FileResult:
    """Import raw as one file, check what was stored, roll it back."""
    path.write_bytes(raw)
    with transaction.atomic():
        result = loader.import_file(path)
        if result.status == loader.FAILED:
            assert_clean_reason(result.reason)
        else:
            assert result.status in (loader.CREATED, loader.UPDATED, loader.UNCHANGED), result
            document = Document.objects.get(identifier=result.identifier)
            assert bytes(document.current_file.data) == raw
            assert document.current_file.sha256 == hashlib.sha256(raw).hexdigest()
            parsed = loader.parse_text(loader.decode(raw).text)
            assert_valid_identifier(parsed, document.identifier)
            stored = list(document.paragraphs.values_list("number", "anchor"))
            assert stored == [(p.number, p.anchor) for p in parsed.paragraphs]
            assert_valid_paragraphs([n for n, _ in stored], [a for _, a in stored])
            assert sorted(document.tags.values_list("name", flat=True)) == sorted(set(parsed.tags))
        transaction.set_rollback(True)
    return result


# The tests ----------------------------------------------------------------------------------------

pytestmark = pytest.mark.slow


@fuzz
@given(raw=damaged_files())
def test_damaged_files_parse_to_valid_documents_or_fail_with_a_reason(raw):
    parse_or_refuse(raw)


@fuzz
@given(raw=made_up_files())
@example(raw=cable_page(paragraphs=["Intro.", "0. (C) Zero.", "1. (C) One."]).encode())
@example(raw=cable_page(paragraphs=["0. (C) Zero.", "0. (C) Zero again."]).encode())
@example(raw=b"An article about nothing in particular\n\nSource: andina\n\nIts text is here.")
@example(raw=cable_page("0\u0660A00", ["1. (C) Text."]).encode())  # an Arabic-Indic zero
def test_made_up_documents_parse_to_valid_documents_or_fail_with_a_reason(raw):
    parse_or_refuse(raw)


@fuzz
@given(raw=damaged_files())
def test_damaged_files_import_faithfully_or_fail_with_a_reason(raw, db, tmp_path):
    import_and_check(tmp_path / "damaged.html", raw)


@fuzz
@given(raw=made_up_files())
def test_made_up_documents_import_faithfully_or_fail_with_a_reason(raw, db, tmp_path):
    import_and_check(tmp_path / "made-up.txt", raw)


def test_sources_whose_names_differ_only_in_case_or_punctuation_both_import(db, tmp_path):
    """'Source: foo-bar' after 'Source: Foo Bar': one slug, two sources, no IntegrityError."""
    results = []
    for n, name in enumerate(["Foo Bar", "foo-bar", "andina"]):
        path = tmp_path / f"article-{n}.txt"
        path.write_text(f"Article number {n} about the river program\n\nSource: {name}\n\nIts text.\n")
        results.append(loader.import_file(path))
    assert [r.status for r in results] == ["created"] * 3, results
    assert Source.objects.filter(name__in=["Foo Bar", "foo-bar", "andina"]).count() == 3


# Deterministic extremes -----------------------------------------------------------------------------


def many_paragraphs_article(count: int) -> bytes:
    body = "\n\n".join(f"Paragraph {n} of the article says something true." for n in range(1, count + 1))
    return f"A very long article about rivers\n\nBy Jane Doe\n\n{body}\n".encode()


def many_paragraphs_cable(count: int) -> bytes:
    """10,000 numbered paragraphs, more than the four digits a paragraph number may have."""
    return cable_page(paragraphs=[f"{n}. (C) Paragraph {n}." for n in range(1, count + 1)]).encode()


EXTREMES = {
    "10,000 article paragraphs": lambda: many_paragraphs_article(10_000),
    "10,000 cable paragraphs": lambda: many_paragraphs_cable(10_000),
    "one 5 MB line": lambda: b"A title line for a long file\n\n" + b"word " * 1_000_000,
    "500,000 line breaks": lambda: b"Title of a file of blank lines\n" + b"\r\n" * 500_000,
    "a NUL byte after 64 kB": lambda: originals()[5] + b"\x00",
    "UTF-16 with a BOM": lambda: SEED_FILES["cable"].read_text().encode("utf-16"),
    "UTF-16 without a BOM": lambda: SEED_FILES["cable"].read_text().encode("utf-16-le"),
    "UTF-32 with a BOM": lambda: SEED_FILES["cable"].read_text().encode("utf-32"),
    "double-encoded UTF-8": lambda: double_encoded(SEED_FILES["dialogo"].read_bytes()),
    "Latin-1": lambda: reencoded(SEED_FILES["dialogo"].read_bytes(), "latin-1"),
    "a UTF-8 lone surrogate": lambda: SEED_FILES["afps"].read_bytes() + b"\xed\xa0\x80 tail\n",
    "a BOM on a Windows-1252 file": lambda: (
        codecs.BOM_UTF8 + reencoded(SEED_FILES["dialogo"].read_bytes(), "cp1252")
    ),
    "only a BOM": lambda: codecs.BOM_UTF8 + b"\n",
}


@pytest.mark.parametrize("name", list(EXTREMES))
def test_extreme_files_import_faithfully_or_fail_with_a_reason(name, db, tmp_path):
    raw = EXTREMES[name]()
    started = time.monotonic()
    parse_or_refuse(raw)
    import_and_check(tmp_path / "extreme.txt", raw)
    assert time.monotonic() - started < 2 * PARSE_SECONDS + 20


def test_ten_thousand_paragraphs_are_all_kept_merged_under_the_paragraph_cap(db, tmp_path, settings):
    path = tmp_path / "long.txt"
    path.write_bytes(many_paragraphs_article(10_000))
    result = loader.import_file(path)
    assert result.status == "created", result
    paragraphs = Paragraph.objects.filter(document__identifier=result.identifier).order_by("number")
    assert paragraphs.count() == settings.ARCHIVE_MAX_PARAGRAPHS
    text = "\n\n".join(p.text for p in paragraphs)
    assert re.findall(r"Paragraph (\d+) of", text) == [str(n) for n in range(1, 10_001)]


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (b"", "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (b"", "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_unicode_files_with_a_byte_order_mark_import_as_text(bom, encoding, db, tmp_path):
    raw = bom + SEED_FILES["cable"].read_text(encoding="utf-8").encode(encoding)
    path = tmp_path / "unicode.txt"
    path.write_bytes(raw)
    result = loader.import_file(path)
    assert (result.status, result.identifier) == ("created", "07LIMA3429"), result
    document = Document.objects.get(identifier="07LIMA3429")
    assert bytes(document.current_file.data) == raw
    assert "MOD BRIEFS SECRETARY GATES" in document.current_file.text


def test_a_nul_byte_anywhere_makes_a_file_binary(tmp_path):
    with pytest.raises(loader.ImportProblem, match="binary"):
        loader.decode(b"x" * 100_000 + b"\x00")


def test_utf16_without_a_byte_order_mark_gets_a_reason_saying_so():
    raw = SEED_FILES["afps"].read_text(encoding="utf-8").encode("utf-16-le")
    with pytest.raises(loader.ImportProblem, match="UTF-16 text without a byte-order mark"):
        loader.decode(raw)


def test_a_value_too_long_for_its_column_is_refused_with_a_reason():
    """SQLite would store it; PostgreSQL refuses the whole file with a DataError."""
    cells = ["07LIMA3429", "2007-10-17 17:04", "2011-08-30 01:44", "SECRET-" * 700, "Embassy Lima"]
    with pytest.raises(
        loader.ImportProblem, match=r"the classification is 4,900 characters long; at most 100 fit"
    ):
        loader.validate(loader.parse_text(cable_page(paragraphs=["1. (C) Text."], cells=cells)))
