"""What changed between two source files of a document: metadata and paragraphs, word by word."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from archive.importers import loader
from archive.models import Document, SourceFile
from archive.versions import field_changes, paragraphs_diff
from archive.views.documents import not_found, requested_file, shown

# The metadata a new release of a cable may change, as the comparison names it.
COMPARED = [
    ("released", "Released"),
    ("subject", "Subject"),
    ("title", "Title"),
    ("classification", "Classification"),
    ("classified_by", "Classified by"),
    ("declassification", "Declassification"),
    ("tags", "TAGS"),
    ("references", "References"),
    ("signature", "Signature"),
]


def reading(file: SourceFile):
    try:
        return loader.parse_text(file.text)
    except loader.ImportProblem:
        return None


def metadata(file: SourceFile, parsed) -> dict[str, str]:
    values = {
        "released": file.released.strftime("%Y-%m-%d %H:%M") if file.released else "",
        "subject": parsed.subject,
        "title": parsed.title,
        "classification": parsed.classification,
        "classified_by": parsed.classified_by,
        "declassification": parsed.declassification,
        "tags": " ".join(parsed.tags),
        "references": "; ".join(r.reference_id or r.text or "" for r in parsed.references),
        "signature": parsed.signature,
    }
    return {label: values[name] for name, label in COMPARED}


def default_pair(files: list[SourceFile]) -> tuple[SourceFile, SourceFile]:
    """The current file against the one before it in import order (or the next one)."""
    current = next((f for f in files if f.is_current), files[-1])
    others = [f for f in files if f.pk != current.pk]
    earlier = [f for f in others if f.number < current.number]
    return (earlier[-1] if earlier else others[0]), current


@require_safe
def versions(request, identifier: str):
    document = Document.objects.by_identifier(identifier)
    if document is None:
        return not_found(request, f"There is no document “{shown(identifier)}” in the archive.")
    files = list(document.source_files.without_data())
    context = {"document": document, "files": files, "diff": None}
    if len(files) < 2:
        return render(request, "archive/versions.html", context)
    old, new = default_pair(files)
    for name in ("from", "to"):
        if name in request.GET:
            chosen = requested_file(document, request.GET[name])
            if chosen is None:
                return not_found(
                    request, f"{document.identifier} has no source file {shown(request.GET[name])}."
                )
            old, new = (chosen, new) if name == "from" else (old, chosen)
    old_file, new_file = (SourceFile.objects.get(pk=old.pk), SourceFile.objects.get(pk=new.pk))
    old_reading, new_reading = reading(old_file), reading(new_file)
    if old_reading is None or new_reading is None:
        return not_found(request, f"A source file of {document.identifier} can no longer be read.")
    diffs = paragraphs_diff(
        {p.number: p.text for p in old_reading.paragraphs}, {p.number: p.text for p in new_reading.paragraphs}
    )
    context.update(
        {
            "old": old,
            "new": new,
            "fields": field_changes(metadata(old, old_reading), metadata(new, new_reading)),
            "diff": diffs,
            "changed_count": sum(1 for d in diffs if d.changed),
        }
    )
    return render(request, "archive/versions.html", context)
