"""How faithfully the importer reads real Cablegate pages, measured against ground truth.

A manifest (JSON Lines, one object per page) states what each page itself says in
structured form: the page's table, the TAGS the site linked, its ¶ anchors, and for pages
carrying a cables.csv-style record, the references the release lists. `score_pages`
compares imported documents (as `export_archive` writes them) with it, five figures:

- metadata: reference ID, created (date and hour), released date, classification, origin;
- tags: pages whose TAGS line the site linked in full;
- numbering: pages whose ¶ anchors are exactly 1..n get paragraphs 1..n;
- clean ¶0: the text before ¶1 holds no header material (see `header_residue`);
- references: the release record's IDs are among the IDs read from the printed REF line.

`manage.py fidelity_report MANIFEST PAGES_DIR` imports the pages into a throw-away data
directory and prints these figures with the first misses of each.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# What header material looks like when it is left in the text before ¶1. Each pattern is
# a field label, a routing artefact or a release-record line; real opening text ("BEGIN
# SUMMARY", "This is a joint report") matches none of them.
_RESIDUE = [
    ("E.O. line", re.compile(r"\bE\.?\s?O\.?\s?1[23]\d{3}\b|\bDECL(?:ASSIFY)?\s*(?:ON)?\s*:", re.I)),
    ("TAGS line", re.compile(r"(?:^|\s)TAGS\s*:|^\s*TAGS\s+[A-Z]{2,}", re.M)),
    ("SUBJECT line", re.compile(r"(?:^|\s)SUBJ(?:ECT)?\s*:", re.I)),
    ("REF line", re.compile(r"^\s*REF(?:S|TEL|TELS)?\s*:", re.I | re.M)),
    ("Classified By", re.compile(r"\bCLASSIFIED\s+BY\b", re.I)),
    ("classification reasons", re.compile(r"\b1\.[45]\s*\(?[A-H]\)?(?:\s*(?:,|AND|&)\s*\(?[A-H]\)?)*", re.I)),
    (
        "reasons continued",
        re.compile(
            r"^[ \t]*(?=\S)(?:\d[ \t]*)?(?:\(?[A-H]\)?[ \t]*)?"
            r"(?:(?:,|AND|ND|&|OR)[ \t]*\(?[A-H]\)?[ \t]*)*[.)]?[ \t]*$",
            re.I | re.M,
        ),
    ),
    (
        "reference items",
        re.compile(r"^\s*\(?[A-H][.)]\s+(?:\d{2}\s+)?[A-Z][A-Za-z .'-]+\s\d{1,7}\s*[;,.]?\s*$", re.M),
    ),
    ("SIPDIS", re.compile(r"\bSIPDIS\b")),
    ("letter-spaced banner", re.compile(r"\b(?:C O N F I D E N T I A L|S E C R E T)\b", re.I)),
    ("banner", re.compile(r"\b(?:UNCLAS|CONFIDENTIAL|SECRET)\s+SECTION\s+\d+\s+OF\s+\d+", re.I)),
    (
        "release record",
        re.compile(r"^\s*(?:id|date|refid|origin|classification|destination|header)\s*:", re.I | re.M),
    ),
    ("header ends", re.compile(r"header ends", re.I)),
    ("Cable dated", re.compile(r"Cable dated\s*:", re.I)),
    ("date-time group", re.compile(r"\b[0-3]\d[0-2]\d[0-5]\dZ\s+[A-Z]{3}\s+\d{2}\b")),
    ("FM/TO/INFO", re.compile(r"^\s*(?:FM|TO|INFO)\s+(?:AMEMBASSY|AMCONSUL|SECSTATE|USMISSION|RUE)", re.M)),
    ("routing", re.compile(r"\bVZCZC|\bRUEH[A-Z]{0,4}\b|\bZNR\s+UUUUU|\bZNY\s+[CS]+\b")),
]


def header_residue(text: str) -> str | None:
    """The name of the first kind of header material found in `text`, or None."""
    for name, pattern in _RESIDUE:
        if pattern.search(text):
            return name
    return None


@dataclass
class Figure:
    name: str
    passed: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def check(self, page: str, ok: bool, detail: str) -> None:
        self.total += 1
        if ok:
            self.passed += 1
        else:
            self.misses.append(f"{page}: {detail}")

    @property
    def percent(self) -> float:
        return 100.0 * self.passed / self.total if self.total else 100.0


@dataclass
class Report:
    pages: int
    missing: list[str]
    figures: list[Figure]
    reference_ids_found: int = 0
    reference_ids_total: int = 0


def read_manifest(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_export(lines: Iterable[str]) -> dict[str, dict]:
    """export_archive's records by identifier."""
    records = (json.loads(line) for line in lines if line.strip())
    return {record["identifier"]: record for record in records}


def _date_hour(value: str | None) -> tuple[str, int] | None:
    """'2007-10-17T17:04:00+00:00' -> ('2007-10-17', 17)."""
    match = re.match(r"(\d{4}-\d{2}-\d{2})[ T](\d{2})", value or "")
    return (match[1], int(match[2])) if match else None


def _metadata_problem(row: dict, record: dict) -> str | None:
    expected = {
        "reference ID": row["reference_id"],
        "created": (row["created_date"], row["created_hour"]),
        "released": row["released_date"],
        "classification": row["classification"],
        "origin": row["origin"],
    }
    created = _date_hour(record.get("created"))
    found = {
        "reference ID": record["identifier"],
        "created": created,
        "released": (record.get("released") or "")[:10],
        "classification": record.get("classification"),
        "origin": record.get("origin"),
    }
    for name, value in expected.items():
        if found[name] != value:
            return f"{name} {found[name]!r}, expected {value!r}"
    return None


def _original(record: dict) -> str:
    """The current source file's text (an export's record; older ones held one original)."""
    current = next((f for f in record.get("source_files", []) if f.get("current")), None)
    if current is not None:
        raw, encoding = base64.b64decode(current["data_base64"]), current.get("encoding")
    else:
        raw, encoding = (
            base64.b64decode(record.get("original_base64") or b""),
            record.get("original_encoding"),
        )
    return raw.decode(encoding or "utf-8", errors="replace").replace("&#x000A;", "\n")


# A TAGS line whose first code the site did not make a link of ("tags parm, mtcre", "TAG ECON").
_UNLINKED_TAGS_LINE = re.compile(r"^[ \t]*TAGS?\b[ \t]*:?[ \t]*(?!<a\b)[A-Za-z]", re.I | re.M)


def _tags_linked_in_full(row: dict, record: dict) -> bool:
    """The manifest's tags are the site's links; a TAGS line the site linked none of does not
    count, though the manifest leaves those with no tags and no flag."""
    if row.get("tags_links_incomplete"):
        return False
    return bool(row["tags"]) or not _UNLINKED_TAGS_LINE.search(_original(record))


def _numbering_right(found: list[int], anchored: int, original: str) -> bool:
    """Paragraphs 1..n as anchored, or 1..m where the site anchored only the first n of the
    paragraphs the text numbers (it missed "2.(C)" with no space, and paragraphs run into
    the line before: "… independence. 2. (C) Comment: …")."""
    if found == list(range(1, anchored + 1)):
        return True
    if found != list(range(1, len(found) + 1)) or len(found) < anchored:
        return False
    return all(_printed_as_paragraph(number, original) for number in found[anchored:])


def _printed_as_paragraph(number: int, original: str) -> bool:
    at_line_start = re.search(rf"^[ \t]*{number}[ \t]?\.", original, re.M)
    run_in = re.search(rf"(?<=[.!?\"”)-])[ \t]+{number}[ \t]?\.[ \t]?\([A-Z/]{{1,12}}\)", original)
    return bool(at_line_start or run_in)


def _file_tags(record: dict) -> list[str]:
    return [tag["name"] for tag in record.get("tags", []) if tag.get("origin", "file") == "file"]


def _numbers(record: dict) -> list[int]:
    return [p["number"] for p in record.get("paragraphs", []) if p["number"] >= 1]


def _anchors_are_one_to_n(anchors: list[str]) -> bool:
    return bool(anchors) and anchors == [str(n) for n in range(1, len(anchors) + 1)]


def _paragraph_zero(record: dict) -> str:
    return next((p["text"] for p in record.get("paragraphs", []) if p["number"] == 0), "")


def _printed_reference_ids(record: dict) -> set[str]:
    """IDs read from the printed REF line: references with printed text, not the record's alone.

    Backups from before references were objects list each as a string, an ID where it was read.
    """
    found = set()
    for ref in record.get("references", []):
        if isinstance(ref, str):
            found.add(ref)
        elif ref.get("text") and ref.get("reference_id"):
            found.add(ref["reference_id"])
    return found


def score_pages(manifest: list[dict], documents: dict[str, dict]) -> Report:
    metadata, tags, numbering = Figure("metadata"), Figure("tags"), Figure("¶ numbering")
    clean, references = Figure("clean ¶0"), Figure("references")
    report = Report(len(manifest), [], [metadata, tags, numbering, clean, references])
    for row in manifest:
        page = row["local_path"]
        record = documents.get(row["reference_id"])
        if record is None:
            report.missing.append(page)
            continue
        problem = _metadata_problem(row, record)
        metadata.check(page, problem is None, problem or "")
        if _tags_linked_in_full(row, record):
            found = _file_tags(record)
            tags.check(page, sorted(found) == sorted(row["tags"]), f"{found}, expected {row['tags']}")
        anchors = row.get("paragraph_anchor_ids") or []
        if _anchors_are_one_to_n(anchors):
            found = _numbers(record)
            right = _numbering_right(found, len(anchors), _original(record))
            numbering.check(page, right, f"paragraphs {_ranges(found)}, expected 1-{len(anchors)}")
        zero = _paragraph_zero(record)
        residue = header_residue(zero)
        clean.check(page, residue is None, f"{residue} in ¶0: {' '.join(zero.split())[:160]!r}")
        if row.get("references"):
            wanted = set(row["references"])
            printed = _printed_reference_ids(record)
            report.reference_ids_total += len(wanted)
            report.reference_ids_found += len(wanted & printed)
            references.check(
                page, wanted <= printed, f"{sorted(wanted - printed)} not among {sorted(printed)}"
            )
    return report


def _ranges(numbers: list[int]) -> str:
    if not numbers:
        return "none"
    parts, start, last = [], numbers[0], numbers[0]
    for number in numbers[1:] + [None]:
        if number is not None and number == last + 1:
            last = number
            continue
        parts.append(str(start) if start == last else f"{start}-{last}")
        if number is not None:
            start = last = number
    return ",".join(parts)


def format_report(report: Report, misses_shown: int = 5) -> list[str]:
    lines = [f"{report.pages} pages in the manifest, {len(report.missing)} not imported"]
    lines += [f"  not imported: {page}" for page in report.missing[:misses_shown]]
    for figure in report.figures:
        lines.append(f"{figure.name:<12} {figure.percent:6.1f} %  ({figure.passed} of {figure.total} pages)")
        lines += [f"    {miss}" for miss in figure.misses[:misses_shown]]
    if report.reference_ids_total:
        share = 100.0 * report.reference_ids_found / report.reference_ids_total
        lines.append(
            f"reference IDs {share:6.1f} %  ({report.reference_ids_found} of {report.reference_ids_total}"
            " IDs of the release records read from the printed REF lines)"
        )
    return lines
