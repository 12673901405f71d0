"""The reference graph: which cables a cable cites, and which of them the archive holds.

References are stored with the reference ID of the cable they cite (`Reference`), not with a
link to it: a cable imported later resolves every reference to it at once, without the
citing cables being read again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from archive.models import Document, Reference


@dataclass(frozen=True)
class ResolvedReference:
    text: str | None  # as printed; None when only the release record lists it
    reference_id: str | None
    note: str
    url: str | None  # the cited cable's page, when the archive holds it

    @property
    def in_archive(self) -> bool:
        return self.url is not None

    @property
    def label(self) -> str:
        return self.text or self.reference_id or ""


def resolve(references: list[Reference]) -> list[ResolvedReference]:
    """A cable's references with the cited cables the archive holds (one query)."""
    wanted = {r.reference_id for r in references if r.reference_id}
    present = set(Document.objects.filter(identifier__in=wanted).values_list("identifier", flat=True))
    return [
        ResolvedReference(
            text=r.text or None,
            reference_id=r.reference_id or None,
            note=r.note,
            url=reverse("document", args=[r.reference_id]) if r.reference_id in present else None,
        )
        for r in references
    ]
