"""The staff side: documents (tags, notes, provenance), tags (merge), sources, the index queue.

Two roles: superusers (and anyone with `archive.change_document_metadata`) edit
everything; the Tagger group (migration 0002) views documents and changes only
their tags. Bulk tag edits, merges and deletions live in archive/adminviews/.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.views.main import ORDER_VAR
from django.db import models
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower
from django.template.defaultfilters import linebreaksbr
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, get_text_list, smart_split, unescape_string_literal

from archive.adminviews import tagging, views
from archive.adminviews.changelist import (
    DocumentChangeList,
    LargeTablePaginator,
    OriginFilter,
    TagFilter,
    YearFilter,
)
from archive.adminviews.forms import DocumentChangeForm
from archive.models import Document, Paragraph, PendingIndexUpdate, Source, Tag
from archive.rendering import MARKDOWN_MAX_LINES, markdown_max_chars, reveal_controls
from archive.search.indexing import left_queued_report

METADATA_PERMISSION = "archive.change_document_metadata"
MARKDOWN_HELP = (
    "Markdown: *italic*, **bold**, [a link](https://example.org), lists with “- ”, "
    "paragraphs separated by a blank line. Shown on the public pages, which keep only basic "
    "formatting and http(s) or mailto links."
)
# The admin shows the start of an original; the public /documents/<id>/original/ has all of it.
ORIGINAL_PREVIEW_CHARS = 100_000
# Paragraphs the change page lists (read-only); the public page shows them all, page by page.
# It also keeps a save's POST under DATA_UPLOAD_MAX_NUMBER_FIELDS (two fields per paragraph).
ADMIN_PARAGRAPHS = 100
# Written by the importer, never edited.
PROVENANCE = [
    "source_file_list",
    "imported_at",
    "updated_at",
    "paragraphs_listed",
    "original_preview",
]
# Read from the file like the provenance, and re-read by every import of it.
FROM_FILE = ["reference_list", "partial_extract", "header_text"]


def can_edit_metadata(user) -> bool:
    """Editors (and superusers, who hold every permission) edit more than tags."""
    return user.has_perm(METADATA_PERMISSION)


def markdown_textarea(db_field, **kwargs):
    # The field's validators (archive.rendering.validate_markdown) run in the model's clean.
    limits = f" At most {markdown_max_chars():,} characters in {MARKDOWN_MAX_LINES} lines."
    return forms.CharField(
        required=not db_field.blank,
        label=db_field.verbose_name.capitalize(),
        help_text=MARKDOWN_HELP + limits,
        widget=forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField"}),
        **kwargs,
    )


class MarkdownFieldsMixin:
    """Render the named TextFields as Markdown textareas with a help text."""

    markdown_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.markdown_fields:
            return markdown_textarea(db_field)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class IndexQueueNoticeMixin:
    """Edits whose search-index updates were partly left queued say when they will show.

    A request applies only its share of the index queue (archive.search.indexing); the
    background `process_index_queue --follow` applies the rest within seconds.
    """

    def noting_left_queued(self, request, view, *args, **kwargs):
        with left_queued_report() as left:
            response = view(request, *args, **kwargs)
        if left.documents:
            message = f"{views.plural(left.documents)} will be searchable within a minute."
            self.message_user(request, message, messages.INFO)
        return response

    def changeform_view(self, request, *args, **kwargs):
        return self.noting_left_queued(request, super().changeform_view, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        return self.noting_left_queued(request, super().changelist_view, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self.noting_left_queued(request, super().delete_view, *args, **kwargs)


INLINE_FIELDS = ["number", "marking", "heading", "text", "document__identifier"]


class ParagraphInline(admin.TabularInline):
    """Paragraphs come from the imported file: shown, never edited here."""

    model = Paragraph
    fields = ["number", "marking", "heading_shown", "text_shown"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = request.resolver_match
        document_pk = match.kwargs.get("object_id") if match else None
        if document_pk is None:
            return queryset.none()
        first = Paragraph.objects.filter(document_id=document_pk).order_by("number")[:ADMIN_PARAGRAPHS]
        # Each row's title names its document: one join, without the original file (up to 20 MB).
        listed = queryset.filter(pk__in=list(first.values_list("pk", flat=True)))
        return listed.select_related("document").only(*INLINE_FIELDS)

    # Control characters (a right-to-left override) shown as [U+202E], never applied.
    @admin.display(description="heading")
    def heading_shown(self, paragraph):
        return linebreaksbr(reveal_controls(paragraph.heading))

    @admin.display(description="text")
    def text_shown(self, paragraph):
        return linebreaksbr(reveal_controls(paragraph.text))

    def has_delete_permission(self, request, obj=None):
        return False


# The admin's few models are one click away on its home page; the 300-pixel list of them beside
# every page would leave the document list too narrow on a 1280-pixel screen.
admin.site.enable_nav_sidebar = False


@admin.register(Document)
class DocumentAdmin(IndexQueueNoticeMixin, MarkdownFieldsMixin, admin.ModelAdmin):
    # What fits a 1280-pixel screen beside the filters (static/css/quipu-admin.css sets the
    # widths); type, source and classification are filters, and an identifier tells a cable.
    list_display = ["identifier", "short_title", "date", "origin", "tag_list"]
    list_filter = ["type", "source", "classification", OriginFilter, TagFilter, YearFilter]
    list_select_related = ["source"]
    list_per_page = 100
    search_fields = ["^identifier", "title", "paragraphs__text"]  # see get_search_results
    search_help_text = (
        "A reference ID (exact, or its beginning), or words from the title or the text. "
        "For ranked full-text search, use the public search and “Tag all results of a search”."
    )
    form = DocumentChangeForm
    autocomplete_fields = ["tags"]
    inlines = [ParagraphInline]
    actions = [views.add_tags, views.remove_tags]
    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    markdown_fields = ("note",)
    fieldsets = [
        (None, {"fields": ["identifier", "type", "title", "source", "date", "tags", "note"]}),
        ("Publication", {"classes": ["collapse"], "fields": ["venue", "byline", "dateline"]}),
        (
            "Cable header",
            {
                "classes": ["collapse"],
                "fields": [
                    "subject",
                    "created",
                    "released",
                    "classification",
                    "origin",
                    "header_dtg",
                    "header_precedence",
                    "header_from",
                    "header_to",
                    "header_info",
                    "declassify_on",
                    "declassification",
                    "classified_by",
                    "reference_list",
                    "signature",
                    "partial_extract",
                    "header_text",
                ],
            },
        ),
        ("Provenance", {"fields": PROVENANCE}),
    ]

    class Media:
        css = {"all": ["css/quipu-admin.css"]}

    def get_changelist(self, request, **kwargs):
        return DocumentChangeList

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and "tags" in form.cleaned_data:
            self.warn_of_concurrent_tag_edits(request, form)

    def warn_of_concurrent_tag_edits(self, request, form) -> None:
        """Say so when the tags now differ from what this form chose: someone else changed them."""
        chosen = {tag.name for tag in form.cleaned_data["tags"]}
        now = set(form.instance.tags.values_list("name", flat=True))
        if now != chosen:
            parts = []
            if now - chosen:
                parts.append(f"also has {', '.join(sorted(now - chosen))}")
            if chosen - now:
                parts.append(f"no longer has {', '.join(sorted(chosen - now))}")
            message = (
                "The tags were changed by someone else while this page was open; your additions "
                f"and removals were applied to their version, which {' and '.join(parts)}."
            )
            self.message_user(request, message, messages.WARNING)

    def get_readonly_fields(self, request, obj=None):
        if can_edit_metadata(request.user):
            return PROVENANCE + FROM_FILE
        # Taggers: every field but the tags is shown, not editable, and not in the form,
        # so a POSTed title or note is ignored.
        return [
            name
            for _, options in self.get_fieldsets(request, obj)
            for name in options["fields"]
            if name != "tags"
        ]

    def has_add_permission(self, request):
        return False  # documents come from the importer (manage.py import_documents)

    def get_search_results(self, request, queryset, search_term):
        """An exact reference ID first (one indexed lookup), else every word must match."""
        term = search_term.strip()
        if not term:
            return queryset, False
        exact = {term, term.upper()}
        if Document.objects.filter(identifier__in=exact).exists():
            return queryset.filter(identifier__in=exact), False
        for bit in smart_split(term):
            if bit[:1] in {'"', "'"} and bit[-1:] == bit[:1]:
                bit = unescape_string_literal(bit)
            in_text = Paragraph.objects.filter(document=OuterRef("pk"), text__icontains=bit)
            queryset = queryset.filter(
                Q(identifier__istartswith=bit) | Q(title__icontains=bit) | Exists(in_text)
            )
        return queryset, False

    def get_urls(self):
        tag_search = self.admin_site.admin_view(self.tag_search_results_view)
        return [
            path("tag-search-results/", tag_search, name="archive_document_tag_search_results"),
            *super().get_urls(),
        ]

    def tag_search_results_view(self, request):
        return self.noting_left_queued(request, lambda request: views.tag_search_results(self, request))

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "can_tag_search_results": self.has_change_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def construct_change_message(self, request, form, formsets, add=False):
        """Name the tags added and removed, not just "Changed tags"."""
        if add:
            return super().construct_change_message(request, form, formsets, add)
        tag_fields = {"tags", "tags_shown"}
        other = [form.fields[name].label or name for name in form.changed_data if name not in tag_fields]
        added, removed = form.tag_changes() if "tags" in form.cleaned_data else ([], [])
        fields = get_text_list([str(label) for label in other], "and")
        parts = [f"Changed {fields}."] if other else []
        tags = tagging.change_message([tag.name for tag in added], [tag.name for tag in removed])
        return " ".join([*parts, tags]).strip() or "No fields changed."

    @admin.display(description="title", ordering="title")
    def short_title(self, obj):
        short = Truncator(obj.title).chars(90)
        if short == obj.title:
            return short
        return format_html('<span title="{}">{}</span>', obj.title, short)  # all of it on hover

    @admin.display(description="tags")
    def tag_list(self, obj):
        # obj.tags.all() is served from the change list's prefetch: no query per row.
        links = ((tag.slug, tag.name) for tag in obj.tags.all())
        return format_html_join(", ", '<a href="?tag={}">{}</a>', links)

    @admin.display(description="references")
    def reference_list(self, obj):
        items = (
            (r.text or "(listed by the release)", r.reference_id or "no cable") for r in obj.references.all()
        )
        return format_html_join(linebreaksbr("\n"), "{} → {}", items) or "–"

    @admin.display(description="source files")
    def source_file_list(self, obj):
        rows = (
            (
                f.get_absolute_url(),
                f.number,
                " (current)" if f.is_current else "",
                f.file_name,
                f.format,
                f.released.date().isoformat() if f.released else "–",
                f.sha256,
            )
            for f in obj.source_files.without_data()
        )
        return format_html_join(
            linebreaksbr("\n"), '<a href="{}">File {}</a>{} · {} · {} · released {} · SHA-256 {}', rows
        )

    @admin.display(description="paragraphs")
    def paragraphs_listed(self, obj):
        count = obj.paragraphs.count()
        if count <= ADMIN_PARAGRAPHS:
            return f"{count:,}, all listed below"
        return format_html(
            'The first {} of {} paragraphs are listed below; <a href="{}">the public page</a> has all.',
            ADMIN_PARAGRAPHS,
            f"{count:,}",
            obj.get_absolute_url(),
        )

    @admin.display(description="original file")
    def original_preview(self, obj):
        current = obj.current_file
        if current is None:
            return "–"
        # A right-to-left override would reverse the text around it: show it as [U+202E].
        text = reveal_controls(current.text)
        note = ""
        if len(text) > ORIGINAL_PREVIEW_CHARS:
            text = text[:ORIGINAL_PREVIEW_CHARS]
            note = format_html(
                '<p>The first {} characters. <a href="{}">The whole file</a>.</p>',
                f"{ORIGINAL_PREVIEW_CHARS:,}",
                reverse("original", args=[obj.identifier]),
            )
        return format_html('{}<pre class="quipu-original">{}</pre>', note, text)


def code_match_rank(term: str) -> Case:
    """0 for the tag named term, 1 for names that begin with it, 2 for any other match."""
    return Case(
        When(name__iexact=term, then=Value(0)),
        When(name__istartswith=term, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


class TagForm(forms.ModelForm):
    slug = forms.SlugField(
        required=False, max_length=100, help_text="Leave blank to derive it from the name."
    )

    class Meta:
        model = Tag
        fields = ["name", "slug", "kind", "description"]


@admin.register(Tag)
class TagAdmin(IndexQueueNoticeMixin, MarkdownFieldsMixin, admin.ModelAdmin):
    form = TagForm
    list_display = ["name", "kind", "short_description", "document_count"]
    list_filter = ["kind"]
    search_fields = ["name", "description"]
    actions = [views.merge_tags]
    markdown_fields = ("description",)
    list_per_page = 100

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = request.resolver_match
        if match and match.url_name == "archive_tag_changelist":
            # A correlated count per tag shown (the through table's tag index), not a GROUP BY
            # over every document-tag link; sorting by it does count them all.
            links = (
                tagging.Through.objects.filter(tag=OuterRef("pk"))
                .order_by()
                .values("tag")
                .annotate(n=Count("pk"))
                .values("n")
            )
            queryset = queryset.annotate(
                document_count=Coalesce(Subquery(links, output_field=IntegerField()), 0)
            )
        return queryset

    def get_search_results(self, request, queryset, search_term):
        """The code typed first, then the codes it begins, then tags that merely mention it.

        The document form's tag autocomplete picks the first suggestion on Enter: "SNA" must
        offer SNAR before a tag whose description happens to contain the letters. A list the
        user sorted by a column keeps that order.
        """
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term and ORDER_VAR not in request.GET:
            queryset = queryset.annotate(code_match=code_match_rank(term)).order_by(
                "code_match", Lower("name"), "name"
            )
        return queryset, may_have_duplicates

    def get_readonly_fields(self, request, obj=None):
        if can_edit_metadata(request.user):
            return []
        return ["kind"]  # taggers make topics; subject tags come from the cables

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.kind == Tag.Kind.SUBJECT and not can_edit_metadata(request.user):
            return False
        return super().has_change_permission(request, obj)

    def has_merge_permission(self, request):
        """Merging deletes the merged tags: it needs both permissions (actions check any one)."""
        return self.has_change_permission(request) and self.has_delete_permission(request)

    def get_deleted_objects(self, objs, request):
        """The tags and how many documents lose them, not one line per document link."""
        tags = list(objs)
        links = tagging.Through.objects.filter(tag__in=tags).values("tag").annotate(n=Count("pk"))
        counts = {row["tag"]: row["n"] for row in links.order_by()}
        deleted = [f"{tag.name} (removed from {counts.get(tag.pk, 0):,} documents)" for tag in tags]
        perms_needed = set() if self.has_delete_permission(request) else {"tag"}
        return deleted, {Tag._meta.verbose_name_plural: len(tags)}, perms_needed, []

    def delete_model(self, request, obj):
        tagging.delete_tags(request.user, [obj])

    def delete_queryset(self, request, queryset):
        tagging.delete_tags(request.user, queryset)

    @admin.display(description="description")
    def short_description(self, obj):
        return Truncator(obj.description).chars(80)

    @admin.display(description="documents", ordering="document_count")
    def document_count(self, obj):
        url = reverse("admin:archive_document_changelist")
        return format_html('<a href="{}?tag={}">{}</a>', url, obj.slug, f"{obj.document_count:,}")


@admin.register(Source)
class SourceAdmin(IndexQueueNoticeMixin, MarkdownFieldsMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "homepage", "document_count"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    markdown_fields = ("description",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(document_count=Count("documents"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"name", "kind"} & set(form.changed_data):
            # The index stores the source's name and kind; a source's save sends no signal for
            # its documents.
            tagging.reindex_documents(obj.documents.values_list("pk", flat=True))

    @admin.display(description="documents", ordering="document_count")
    def document_count(self, obj):
        url = reverse("admin:archive_document_changelist")
        count = f"{obj.document_count:,}"
        return format_html('<a href="{}?source__id__exact={}">{}</a>', url, obj.pk, count)


class SuperuserReadOnlyAdmin(admin.ModelAdmin):
    """Records kept by the system itself: superusers may look, nobody edits them here."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PendingIndexUpdate)
class PendingIndexUpdateAdmin(SuperuserReadOnlyAdmin):
    """The search index's work queue, for superusers to see whether it drains."""

    list_display = ["document_pk", "action", "queued_at"]
    list_filter = ["action"]


@admin.register(LogEntry)
class LogEntryAdmin(SuperuserReadOnlyAdmin):
    """Who changed what: every admin edit, bulk ones included, one row per object."""

    list_display = ["action_time", "user", "content_type", "object_repr", "change_message_text"]
    list_filter = ["action_flag", "content_type"]
    list_select_related = ["user", "content_type"]
    search_fields = ["object_repr", "change_message", "user__username"]
    date_hierarchy = "action_time"

    @admin.display(description="change")
    def change_message_text(self, obj):
        return obj.get_change_message()
