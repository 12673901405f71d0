"""Citations of a document or of one paragraph, in the formats reference managers read.

- `txt`: a Chicago-style note, e.g. U.S. Embassy Lima, "Mod Briefs …," cable 07LIMA3429,
  October 17, 2007, ¶5, WikiLeaks Cablegate, released August 30, 2011, https://…/p/5/.
- `bib` (BibTeX), `ris` (RIS), `json` (CSL-JSON).

A paragraph the archive numbered (the source had no number there) is cited as "paragraph 3
(numbered by the archive)", never as the cable's own ¶3.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from archive.models import Document, Paragraph

FORMATS = {
    "txt": "text/plain; charset=utf-8",
    "bib": "application/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
    "json": "application/vnd.citationstyles.csl+json; charset=utf-8",
}


@dataclass
class Citable:
    document: Document
    url: str  # the absolute URL of the document or of the paragraph's permalink
    paragraph: Paragraph | None = None

    @property
    def author(self) -> str:
        """The office that sent a cable ("U.S. Embassy Lima"), or an article's byline or source."""
        document = self.document
        if document.is_cable:
            origin = document.origin or "U.S. Department of State"
            return origin if origin.startswith("U.S.") else f"U.S. {origin}"
        return document.byline or document.source.name

    @property
    def title(self) -> str:
        return " ".join((self.document.subject or self.document.title).split())

    @property
    def day(self):
        document = self.document
        return document.created.date() if document.created else document.date

    @property
    def place(self) -> str:
        """'¶5', or 'paragraph 3 (numbered by the archive)'."""
        if self.paragraph is None:
            return ""
        if self.paragraph.numbered_by == "archive":
            return f"paragraph {self.paragraph.number} (numbered by the archive)"
        return f"¶{self.paragraph.number}"

    @property
    def key(self) -> str:
        base = re.sub(r"[^A-Za-z0-9]+", "", self.document.identifier)[:60] or "document"
        return f"{base}p{self.paragraph.number}" if self.paragraph else base


def american(day) -> str:
    return f"{day:%B} {day.day}, {day.year}" if day else "n.d."


def chicago(item: Citable) -> str:
    document = item.document
    place = f", {item.place}" if item.place else ""
    if document.is_cable:
        released = f", released {american(document.released.date())}" if document.released else ""
        return (
            f'{item.author}, "{item.title}," cable {document.identifier}, {american(item.day)}{place}, '
            f"{document.source.name}{released}, {item.url}."
        )
    source = f"{document.source.name} ({document.venue})" if document.venue else document.source.name
    return f'{item.author}, "{item.title}," {source}, {american(item.day)}{place}, {item.url}.'


def bibtex_escape(text: str) -> str:
    return re.sub(r"([{}\\%&$#_])", r"\\\1", text)


def bibtex(item: Citable) -> str:
    document = item.document
    notes = [
        item.place,
        f"released {american(document.released.date())}" if document.released else "",
        f"classified {document.classification}" if document.classification else "",
    ]
    fields = [
        # Double braces: an office ("U.S. Embassy Lima") is one name, not a first and last name.
        ("author", "{" + bibtex_escape(item.author) + "}"),
        ("title", bibtex_escape(item.title)),
        ("year", str(item.day.year) if item.day else ""),
        ("month", f"{item.day:%b}".lower() if item.day else ""),
        ("day", str(item.day.day) if item.day else ""),
        ("institution" if document.is_cable else "journal", bibtex_escape(document.source.name)),
        ("number", bibtex_escape(document.identifier) if document.is_cable else ""),
        ("type", "Diplomatic cable" if document.is_cable else ""),
        ("note", bibtex_escape("; ".join(note for note in notes if note))),
        ("url", item.url),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    entry_type = "techreport" if document.is_cable else "article"
    return f"@{entry_type}{{{item.key},\n{body}\n}}\n"


def ris(item: Citable) -> str:
    document = item.document
    lines = [("TY", "GOVDOC" if document.is_cable else "NEWS"), ("AU", item.author), ("TI", item.title)]
    if item.day:
        lines.append(("DA", f"{item.day:%Y/%m/%d}"))
        lines.append(("PY", str(item.day.year)))
    lines.append(("PB", document.source.name))
    if document.is_cable:
        lines.append(("M1", document.identifier))
    if item.place:
        lines.append(("N1", item.place))
    if document.released:
        lines.append(("N1", f"released {american(document.released.date())}"))
    lines += [("UR", item.url), ("ER", "")]
    return "\r\n".join(f"{tag}  - {value}".rstrip() for tag, value in lines) + "\r\n"


def csl_json(item: Citable) -> str:
    document = item.document
    entry = {
        "id": item.key,
        "type": "report" if document.is_cable else "article-newspaper",
        "title": item.title,
        "author": [{"literal": item.author}],
        "publisher": document.source.name,
        "URL": item.url,
    }
    if item.day:
        entry["issued"] = {"date-parts": [[item.day.year, item.day.month, item.day.day]]}
    if document.is_cable:
        entry["number"] = document.identifier
        entry["genre"] = "Diplomatic cable"
    else:
        entry["container-title"] = document.source.name
    if item.place:
        entry["locator"] = item.place.removeprefix("¶")
        entry["label"] = "paragraph"
    if document.released:
        released = document.released.date()
        entry["available-date"] = {"date-parts": [[released.year, released.month, released.day]]}
    return json.dumps([entry], ensure_ascii=False, indent=1)


RENDERERS = {"txt": chicago, "bib": bibtex, "ris": ris, "json": csl_json}


def render(item: Citable, fmt: str) -> str:
    return RENDERERS[fmt](item) if fmt != "txt" else chicago(item) + "\n"


def highwire(document: Document, url: str) -> list[tuple[str, str]]:
    """The citation_* meta tags (Highwire Press) that Zotero and reference managers read."""
    item = Citable(document, url)
    tags = [("citation_title", item.title), ("citation_author", item.author)]
    if item.day:
        tags.append(("citation_publication_date", f"{item.day:%Y/%m/%d}"))
    tags.append(("citation_publisher", document.source.name))
    if document.is_cable:
        tags.append(("citation_technical_report_number", document.identifier))
        tags.append(("citation_technical_report_institution", item.author))
    else:
        tags.append(("citation_journal_title", document.source.name))
    if document.released:
        tags.append(("citation_online_date", f"{document.released:%Y/%m/%d}"))
    tags.append(("citation_public_url", url))
    return tags
