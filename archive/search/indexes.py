"""What the search index knows about a document.

One entry per Document. Paragraphs are not indexed on their own (the archive will hold
hundreds of thousands of cables): the text field holds them all, and the paragraphs that
match a query are found at query time for the documents on the page shown
(archive.search.paragraphs).
"""

from __future__ import annotations

from haystack import indexes

from archive import handling
from archive.models import Document


class DocumentIndex(indexes.SearchIndex, indexes.Indexable):
    # The faceted fields are the facets' (archive.search.facets); the others are searched.
    text = indexes.CharField(document=True)
    identifier = indexes.CharField(model_attr="identifier", indexed=False)
    title = indexes.CharField(model_attr="title")
    type = indexes.CharField(model_attr="type", faceted=True)
    source = indexes.CharField(faceted=True)
    source_kind = indexes.CharField(faceted=True)
    classification = indexes.CharField(model_attr="classification", faceted=True)
    origin = indexes.CharField(model_attr="origin", faceted=True)
    tags = indexes.MultiValueField(faceted=True)
    markings = indexes.MultiValueField(faceted=True)
    precedence = indexes.CharField(faceted=True)
    to_offices = indexes.MultiValueField(faceted=True)
    info_offices = indexes.MultiValueField(faceted=True)
    signer = indexes.CharField(faceted=True)
    classified_by = indexes.CharField(faceted=True)
    declass_rule = indexes.CharField(faceted=True)
    ref = indexes.MultiValueField()
    year = indexes.IntegerField(faceted=True, null=True)
    released_year = indexes.IntegerField(faceted=True, null=True)
    declass_year = indexes.IntegerField(faceted=True, null=True)
    released_on = indexes.DateField(null=True)
    declass_due = indexes.DateField(null=True)
    date = indexes.DateField(model_attr="date", null=True)
    created = indexes.DateTimeField(model_attr="created", null=True)
    released = indexes.DateTimeField(model_attr="released", null=True)
    declassify_on = indexes.DateField(model_attr="declassify_on", null=True)
    imported_at = indexes.DateTimeField(model_attr="imported_at")
    cited_count = indexes.IntegerField(model_attr="cited_count")
    # check_index compares it with the database: every save of a document changes it.
    updated_at = indexes.DateTimeField(model_attr="updated_at", indexed=False)

    def get_model(self):
        return Document

    def get_updated_field(self) -> str:
        return "updated_at"

    def index_queryset(self, using=None):
        return Document.objects.for_indexing()

    def read_queryset(self, using=None):
        """Rows behind a page of results (SearchQuerySet.load_all): one query."""
        return Document.objects.for_listing()

    def prepare_text(self, document: Document) -> str:
        # Plain text, not a template: an autoescaped template would make highlighting
        # double-escape (docs/haystack-whoosh.md, "Highlighting and input").
        # A cable's reference ID is a word people search for; an article's slug is not.
        parts = [
            document.identifier if document.is_cable else "",
            document.title,
            document.subject,
            document.byline,
        ]
        for paragraph in document.paragraphs.all():
            parts += [paragraph.heading, paragraph.text]
        parts.append(document.note)
        return "\n\n".join(part for part in parts if part)

    def prepare_source(self, document: Document) -> str:
        return document.source.name

    def prepare_source_kind(self, document: Document) -> str:
        return document.source.kind

    def prepare_tags(self, document: Document) -> list[str]:
        return sorted(tag.name for tag in document.tags.all())

    def prepare_markings(self, document: Document) -> list[str]:
        # One value per meaning: "(S/NF)", "(S NF)" and "(S//NF)" are all S//NF.
        return sorted({handling.marking_value(p.marking) for p in document.paragraphs.all()} - {""})

    # How the cable was handled (archive.handling): one value per meaning, for the facets.

    def prepare_precedence(self, document: Document) -> str:
        return handling.precedence_value(document.header_precedence)

    def prepare_to_offices(self, document: Document) -> list[str]:
        return handling.office_names(document.header_to or [])

    def prepare_info_offices(self, document: Document) -> list[str]:
        return handling.office_names(document.header_info or [])

    def prepare_signer(self, document: Document) -> str:
        return handling.signer_name(document.signature)

    def prepare_classified_by(self, document: Document) -> str:
        return handling.classifying_office(document.classified_by)

    def declassification(self, document: Document):
        created = document.created.date() if document.created else document.date
        return handling.declassification_due(document.declassification, document.declassify_on, created)

    def prepare_declass_due(self, document: Document):
        return self.declassification(document)[0]

    def prepare_declass_rule(self, document: Document) -> str:
        return self.declassification(document)[1]

    def prepare_declass_year(self, document: Document) -> int | None:
        due = self.declassification(document)[0]
        return due.year if due else None

    def prepare_released_on(self, document: Document):
        return document.released.date() if document.released else None

    def prepare_released_year(self, document: Document) -> int | None:
        return document.released.year if document.released else None

    def prepare_ref(self, document: Document) -> list[str]:
        # Both forms: `ref:02BOGOTA3101` and `ref:"BOGOTA 3101"` find the cable.
        values = []
        for reference in document.references.all():
            for value in (reference.reference_id, " ".join(reference.text.split())):
                if value and value not in values:
                    values.append(value)
        return values

    def prepare_year(self, document: Document) -> int | None:
        return document.year
