from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import slugify

from archive.rendering import render_markdown, validate_markdown


def render_on_save(instance, source: str, target: str, save_kwargs: dict) -> None:
    """Render the Markdown field `source` into `target`, the HTML the pages show, as it is saved."""
    update_fields = save_kwargs.get("update_fields")
    if update_fields is None or source in update_fields:
        setattr(instance, target, render_markdown(getattr(instance, source)))
        if update_fields is not None:
            save_kwargs["update_fields"] = {*update_fields, target}


class Source(models.Model):
    class Kind(models.TextChoices):
        LEAK = "leak", "Leaked document archive"
        GOVERNMENT_NEWS = "government-news", "Government news service"
        NEWS_AGENCY = "news-agency", "News agency"
        MAGAZINE = "magazine", "Magazine"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    homepage = models.URLField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(blank=True, help_text="Markdown.", validators=[validate_markdown])
    description_html = models.TextField(blank=True, editable=False, help_text="Rendered on save.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        render_on_save(self, "description", "description_html", kwargs)
        super().save(*args, **kwargs)


class TagQuerySet(models.QuerySet):
    def subjects(self):
        return self.filter(kind=Tag.Kind.SUBJECT)

    def topics(self):
        return self.filter(kind=Tag.Kind.TOPIC)


class Tag(models.Model):
    class Kind(models.TextChoices):
        SUBJECT = "subject", "Subject (cable TAGS code)"
        TOPIC = "topic", "Topic (added by staff)"

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TOPIC)
    description = models.TextField(blank=True, help_text="Markdown.", validators=[validate_markdown])
    description_html = models.TextField(blank=True, editable=False, help_text="Rendered on save.")

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Tag, self.name, max_length=100)
        render_on_save(self, "description", "description_html", kwargs)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("tag", args=[self.slug])


def unique_slug(model, text: str, max_length: int) -> str:
    base = slugify(text)[: max_length - 8].strip("-") or "tag"
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


class DocumentQuerySet(models.QuerySet):
    def cables(self):
        return self.filter(type=Document.Type.CABLE)

    def articles(self):
        return self.filter(type=Document.Type.ARTICLE)

    def newest_first(self):
        return self.order_by(models.F("date").desc(nulls_last=True), "-id")

    def for_listing(self):
        return self.select_related("source")

    def for_document_page(self):
        return self.select_related("source").prefetch_related("tags", "paragraphs", "references")

    def by_identifier(self, identifier: str) -> Document | None:
        """Exact match, else the cable spelt in capitals (reference IDs are case-insensitive)."""
        if "\x00" in identifier:  # no identifier holds one; PostgreSQL refuses it in a query
            return None
        return self.filter(identifier=identifier).first() or (
            self.filter(identifier=identifier.upper()).first() if identifier != identifier.upper() else None
        )

    def for_indexing(self):
        return self.select_related("source").prefetch_related("tags", "paragraphs", "references")


class Precision(models.TextChoices):
    MINUTE = "minute", "to the minute"
    HOUR = "hour", "to the hour"


class Document(models.Model):
    class Type(models.TextChoices):
        CABLE = "cable", "Cable"
        ARTICLE = "article", "Article"

    identifier = models.CharField(
        max_length=200,
        unique=True,
        help_text="Stable public ID: the reference ID of a cable, a date-and-title slug for an article.",
    )
    type = models.CharField(max_length=10, choices=Type.choices)
    title = models.TextField()
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="documents")
    venue = models.CharField(
        max_length=200, blank=True, help_text="Site it was published on, if not the source's own."
    )
    byline = models.CharField(max_length=300, blank=True)
    dateline = models.CharField(max_length=300, blank=True)
    date = models.DateField(null=True, blank=True)

    # Cables
    subject = models.TextField(blank=True)
    created = models.DateTimeField(null=True, blank=True)
    released = models.DateTimeField(null=True, blank=True)
    # The site printed the hour twice ("16:04" for 16:00–16:59): such times are known to the hour.
    created_precision = models.CharField(max_length=6, choices=Precision.choices, default=Precision.MINUTE)
    released_precision = models.CharField(max_length=6, choices=Precision.choices, default=Precision.MINUTE)
    classification = models.CharField(max_length=100, blank=True)
    origin = models.CharField(max_length=200, blank=True)
    header_dtg = models.CharField("date-time group", max_length=50, blank=True)
    header_precedence = models.CharField("precedence", max_length=30, blank=True)
    header_from = models.CharField("from", max_length=300, blank=True)
    header_to = models.JSONField("to", default=list, blank=True)
    header_info = models.JSONField("info addressees", default=list, blank=True)
    header_text = models.TextField(
        blank=True,
        help_text="Front matter no field holds (banner, SIPDIS, routing lines, a release record), verbatim.",
    )
    partial_extract = models.BooleanField(
        default=False, help_text="The source had only part of the text, and no whole text was found."
    )
    declassify_on = models.DateField(null=True, blank=True)
    declassification = models.CharField(max_length=300, blank=True, help_text="The E.O. line as printed.")
    classified_by = models.TextField(blank=True)
    signature = models.CharField(max_length=300, blank=True)

    tags = models.ManyToManyField(Tag, blank=True, related_name="documents")
    reported_by = models.JSONField(
        default=list,
        blank=True,
        help_text="Articles the release's site said report this cable, as published.",
    )
    # How many cables of the archive cite this one (kept by archive.references.relink).
    cited_count = models.PositiveIntegerField(default=0, editable=False)
    # The TAGS codes the file itself gave, at its last import: what a re-import may change.
    # Every other tag of the document was added by staff and survives re-imports.
    file_tags = models.JSONField(default=list, blank=True, editable=False)
    note = models.TextField("analyst note", blank=True, help_text="Markdown.", validators=[validate_markdown])
    note_html = models.TextField(blank=True, editable=False, help_text="The note, rendered on save.")

    # The files the document was read from are its SourceFiles; the text comes from one.
    parser_version = models.PositiveSmallIntegerField(
        default=0,
        editable=False,
        help_text="The importer's version that read the current file; older ones are re-read.",
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "identifier"]
        indexes = [
            # Home page and admin list: newest documents first.
            models.Index(fields=["-date", "-id"], name="document_newest"),
            # Admin filters and browse counts.
            models.Index(fields=["type", "source"], name="document_type_source"),
            models.Index(fields=["origin"], name="document_origin"),
            models.Index(fields=["classification"], name="document_classification"),
        ]

    def __str__(self) -> str:
        return f"{self.identifier}: {self.title}"

    def save(self, *args, **kwargs):
        render_on_save(self, "note", "note_html", kwargs)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("document", args=[self.identifier])

    @property
    def is_cable(self) -> bool:
        return self.type == self.Type.CABLE

    @cached_property
    def current_file(self) -> SourceFile | None:
        """The source file the text comes from (one query, the file's bytes included)."""
        return self.source_files.filter(is_current=True).first()

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None


class Paragraph(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="paragraphs")
    number = models.PositiveIntegerField(help_text="As the document numbers it (a cable's own ¶ numbers).")
    anchor = models.CharField(max_length=20)
    marking = models.CharField(max_length=60, blank=True, help_text="Classification marking, e.g. C, SBU.")
    heading = models.TextField(blank=True)
    text = models.TextField()
    numbered_by = models.CharField(
        max_length=7,
        choices=[("source", "the source"), ("archive", "the archive")],
        default="source",
        help_text="The source's own number (a cable's ¶5), or one the archive gave (¶0, unnumbered text).",
    )

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            # Permalinks (/documents/X/#p5) must name one paragraph.
            models.UniqueConstraint(fields=["document", "number"], name="paragraph_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.document.identifier} ¶{self.number}"

    def get_absolute_url(self) -> str:
        return f"{self.document.get_absolute_url()}#{self.anchor}"


class SourceFileQuerySet(models.QuerySet):
    def without_data(self):
        return self.defer("data")


class SourceFile(models.Model):
    """One imported file of a document, byte for byte: a rendition or a version of its text.

    A cable page saved as HTML and as text are two renditions of one release; a cable
    published again with a new released date is a new version. The current file (one per
    document) is the one the document's text, search and permalinks come from.
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="source_files")
    number = models.PositiveSmallIntegerField(help_text="1, 2, … in the order imported; never reused.")
    is_current = models.BooleanField(default=False)
    data = models.BinaryField(editable=False)
    encoding = models.CharField(max_length=20, default="utf-8")
    sha256 = models.CharField(max_length=64)
    file_name = models.CharField(max_length=500, blank=True, help_text="A hint only, never an identity.")
    format = models.CharField(max_length=40)
    released = models.DateTimeField(
        null=True, blank=True, help_text="The release date the file gives, if any."
    )
    # How rich a reading the file gave: which of a release's renditions becomes current.
    header_fields = models.PositiveSmallIntegerField(default=0)
    paragraph_count = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = SourceFileQuerySet.as_manager()

    class Meta:
        ordering = ["document", "number"]
        indexes = [
            # "Have we imported these bytes before?", asked of every file an import reads.
            models.Index(fields=["sha256"], name="source_file_sha256"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="source_file_unique_number"),
            models.UniqueConstraint(
                fields=["document"], condition=models.Q(is_current=True), name="source_file_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.identifier} file {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("original_file", args=[self.document.identifier, self.number])

    @property
    def text(self) -> str:
        return bytes(self.data).decode(self.encoding, errors="replace")


class Reference(models.Model):
    """One item of a cable's REF line, with the reference ID of the cable it cites."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="references")
    position = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True, help_text="As printed; empty when only the release record lists it.")
    reference_id = models.CharField(
        max_length=60, blank=True, help_text="e.g. 02BOGOTA3101; empty if no cable."
    )
    note = models.CharField(max_length=200, blank=True, help_text="Printed after the item, e.g. NOTAL.")

    class Meta:
        ordering = ["document", "position"]
        indexes = [
            # The cables citing a given cable, and references resolved when it arrives.
            models.Index(fields=["reference_id"], name="reference_cited_id"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="reference_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.document.identifier} cites {self.reference_id or self.text}"


class DocumentLink(models.Model):
    """An article's link to a cable: it names the cable, quotes it, or reports the same event.

    Kept by reference ID, like references, so a link found before the cable arrives points at
    it as soon as it does.
    """

    class Kind(models.TextChoices):
        NAMES = "names", "names the cable"
        QUOTES = "quotes", "quotes the cable"
        SAME_EVENT = "same-event", "reports the same event?"

    article = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="links")
    reference_id = models.CharField(max_length=60)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # The cable's paragraphs the article quotes (quotes).
    paragraphs = models.JSONField(default=list, blank=True)
    # quotes: where, [{"article_paragraph", "start", "end", "paragraph"}]; same-event: the names
    # and places both share.
    evidence = models.JSONField(default=list, blank=True)
    score = models.FloatField(default=0, help_text="How sure the same-event link is, 0 to 1.")

    class Meta:
        ordering = ["article", "kind", "reference_id"]
        indexes = [
            # A cable page's "Discussed in": the links to its reference ID.
            models.Index(fields=["reference_id", "kind"], name="link_reference_kind"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["article", "reference_id", "kind"], name="link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.article.identifier} {self.kind} {self.reference_id}"


class PendingIndexUpdate(models.Model):
    """A document whose search-index entry must be rewritten or removed.

    Written in the same transaction as the change itself, so no update is lost
    when another process holds the search index's write lock; drained by
    whichever process gets the lock (see archive.search.indexing).
    """

    class Action(models.TextChoices):
        UPDATE = "update"
        DELETE = "delete"

    document_pk = models.BigIntegerField()
    action = models.CharField(max_length=6, choices=Action.choices, default=Action.UPDATE)
    queued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["document_pk"], name="pending_index_document")]

    def __str__(self) -> str:
        return f"{self.action} document {self.document_pk}"


class ClientRequestCount(models.Model):
    """How many rate-limited requests (exports, feeds) one client made in one time window.

    Kept in the database so every worker counts the same requests; old windows are deleted as
    new ones start (archive.ratelimit). Not archive data: backups leave it out.
    """

    client = models.CharField(max_length=64)
    window = models.BigIntegerField(help_text="The window's start, in seconds since the epoch.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "window"], name="one_count_per_client_window")
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.count} in window {self.window}"
