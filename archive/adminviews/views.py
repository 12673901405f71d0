"""Admin actions with an intermediate page, and the "tag all results of a search" page.

An action is posted twice: from the change list (no "apply" in the POST), which
shows the form; then from the form (with "apply"), which changes the tags and
returns None so the admin redirects to the change list and shows the message.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse

from archive.adminviews import tagging
from archive.adminviews.forms import NO_CRITERIA, AddTagsForm, MergeTagsForm, RemoveTagsForm, SearchURLForm
from archive.models import Document, Tag

SAMPLE_SIZE = 20
DEFAULT_BULK_LIMIT = 10_000


def bulk_limit() -> int:
    """The most documents one action may change (setting ARCHIVE_ADMIN_BULK_LIMIT)."""
    return getattr(settings, "ARCHIVE_ADMIN_BULK_LIMIT", DEFAULT_BULK_LIMIT)


def can_create_tags(request) -> bool:
    return request.user.has_perm("archive.add_tag")


def names(tags) -> str:
    return ", ".join(tag.name for tag in tags)


def plural(n: int, word: str = "document") -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def sample_of(pks: list[int]):
    documents = Document.objects.filter(pk__in=pks[:SAMPLE_SIZE])
    return documents.select_related("source")


def selected_pks(modeladmin, request, queryset) -> list[int] | None:
    """The selected documents' keys, or None (with a message) when there are too many."""
    limit = bulk_limit()
    pks = list(queryset.order_by().values_list("pk", flat=True)[: limit + 1])
    if len(pks) > limit:
        modeladmin.message_user(
            request,
            f"More than {limit:,} documents are selected; nothing was changed. "
            "Narrow the list with filters or a search, then try again.",
            messages.ERROR,
        )
        return None
    return pks


def action_page(modeladmin, request, template: str, context: dict) -> TemplateResponse:
    """An intermediate page that posts back to the change list it came from."""
    request.current_app = modeladmin.admin_site.name
    form = context["form"]
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "media": modeladmin.media + form.media,
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "cancel_url": request.get_full_path(),
        **context,
    }
    return TemplateResponse(request, template, context)


def added_message(edits: tagging.TagEdits, tags, created) -> str:
    message = f"Added {names(tags)} to {plural(edits.documents_changed)}"
    if edits.unchanged:
        message += f"; {plural(edits.unchanged)} already had {'it' if len(tags) == 1 else 'them'}"
    message += "."
    if created:
        message += f" Created {'tag' if len(created) == 1 else 'tags'}: {names(created)}."
    return message


def apply_add_form(request, form: AddTagsForm, pks: list[int], reason: str):
    with transaction.atomic():
        chosen = list(form.cleaned_data["tags"])
        typed, created = tagging.create_topic_tags(request.user, form.new_tag_names())
        tags = chosen + [tag for tag in typed if tag not in chosen]
        edits = tagging.add_tags(request.user, pks, tags, reason=reason)
    return added_message(edits, tags, created)


@admin.action(description="Add tags to the selected documents…", permissions=["change"])
def add_tags(modeladmin, request, queryset):
    pks = selected_pks(modeladmin, request, queryset)
    if pks is None:
        return None
    applying = "apply" in request.POST
    form = AddTagsForm(
        request.POST if applying else None,
        admin_site=modeladmin.admin_site,
        can_create_tags=can_create_tags(request),
    )
    if applying and form.is_valid():
        message = apply_add_form(request, form, pks, "bulk action")
        modeladmin.message_user(request, message, messages.SUCCESS)
        return None
    return action_page(
        modeladmin,
        request,
        "admin/archive/document/tag_documents.html",
        {
            "title": "Add tags",
            "form": form,
            "action": "add_tags",
            "count": len(pks),
            "sample": sample_of(pks),
            "submit_label": f"Add to {plural(len(pks))}",
        },
    )


@admin.action(description="Remove tags from the selected documents…", permissions=["change"])
def remove_tags(modeladmin, request, queryset):
    pks = selected_pks(modeladmin, request, queryset)
    if pks is None:
        return None
    in_selection = (
        Tag.objects.filter(documents__in=queryset.order_by().values("pk"))
        .annotate(selected_count=Count("documents"))
        .order_by("name")
    )
    if not in_selection.exists():
        message = "The selected documents have no tags to remove."
        modeladmin.message_user(request, message, messages.WARNING)
        return None
    applying = "apply" in request.POST
    form = RemoveTagsForm(request.POST if applying else None, tags_in_selection=in_selection)
    if applying and form.is_valid():
        tags = list(form.cleaned_data["tags"])
        edits = tagging.remove_tags(request.user, pks, tags, reason="bulk action")
        modeladmin.message_user(
            request,
            f"Removed {names(tags)} from {plural(edits.documents_changed)}.",
            messages.SUCCESS,
        )
        return None
    return action_page(
        modeladmin,
        request,
        "admin/archive/document/tag_documents.html",
        {
            "title": "Remove tags",
            "form": form,
            "action": "remove_tags",
            "count": len(pks),
            "sample": sample_of(pks),
            "submit_label": f"Remove from {plural(len(pks))}",
        },
    )


@admin.action(description="Merge the selected tags into another…", permissions=["merge"])
def merge_tags(modeladmin, request, queryset):
    sources = list(
        Tag.objects.filter(pk__in=queryset.values("pk")).annotate(n=Count("documents")).order_by("name")
    )
    applying = "apply" in request.POST
    form = MergeTagsForm(
        request.POST if applying else None, admin_site=modeladmin.admin_site, sources=sources
    )
    if applying and form.is_valid():
        target = form.cleaned_data["target"]
        merged = form.merged_tags()
        edits = tagging.merge_tags(request.user, merged, target)
        modeladmin.message_user(
            request,
            f"Merged {names(merged)} into {target.name}: {plural(len(edits.removed))} moved, "
            f"{plural(len(merged), 'tag')} deleted.",
            messages.SUCCESS,
        )
        return None
    return action_page(
        modeladmin,
        request,
        "admin/archive/tag/merge_tags.html",
        {
            "title": "Merge tags",
            "form": form,
            "action": "merge_tags",
            "sources": sources,
            "subjects": [tag for tag in sources if tag.kind == Tag.Kind.SUBJECT],
        },
    )


class SearchProblem(Exception):
    """The pasted search cannot run; str() says why, for the form."""


def public_search(criteria: QueryDict, limit: int) -> tuple[int, list[int]]:
    """(how many documents the public search finds, their keys best first, at most limit).

    The same form, query parser and SearchQuerySet as the search page (archive.search);
    when more than limit match, no keys are fetched.
    """
    from archive.search import searching
    from archive.search.forms import SearchForm
    from archive.search.query import QueryProblem

    form = SearchForm(criteria)
    if not form.is_valid():
        raise SearchProblem(" ".join(form.error_messages()))
    if not form.has_criteria():  # every value was cleaned away (a control character, say)
        raise SearchProblem(NO_CRITERIA)
    data = form.cleaned_data
    try:
        count, batches = searching.found_keys(
            data.get("q") or "",
            form.filters(),
            form.date_ranges(),
            form.sort_order(),
            limit,
            citations=form.citations(),
        )
        if count > limit:
            return count, []
        return count, [key for batch in batches for key in batch]
    except QueryProblem as exc:
        raise SearchProblem(exc.message) from None


def tag_search_results(modeladmin, request):
    """Tag every document a public search finds: paste its URL, check the count, pick tags."""
    if not modeladmin.has_change_permission(request):
        raise PermissionDenied
    posted = request.method == "POST"
    data = request.POST if posted else (request.GET if "url" in request.GET else None)
    url_form = SearchURLForm(data)
    context = {"title": "Tag all results of a search", "url_form": url_form, "limit": bulk_limit()}
    if url_form.is_valid():
        criteria = url_form.criteria()
        try:
            count, pks = public_search(criteria, bulk_limit())
        except SearchProblem as exc:
            url_form.add_error("url", str(exc))
            count = None
        if count is not None:
            form = AddTagsForm(
                request.POST if posted else None,
                admin_site=modeladmin.admin_site,
                can_create_tags=can_create_tags(request),
            )
            too_many = count > bulk_limit()
            if posted and not too_many and form.is_valid():
                reason = f"from the search {unquote_plus(criteria.urlencode())}"
                message = apply_add_form(request, form, pks, reason)
                modeladmin.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:archive_document_changelist"))
            context.update(
                {
                    "form": form,
                    "criteria": unquote_plus(criteria.urlencode()),
                    "count": count,
                    "too_many": too_many,
                    "sample": sorted(sample_of(pks), key=lambda doc: pks.index(doc.pk)),
                }
            )
    request.current_app = modeladmin.admin_site.name
    media = modeladmin.media + (context["form"].media if "form" in context else url_form.media)
    return TemplateResponse(
        request,
        "admin/archive/document/tag_search_results.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "media": media,
            **context,
        },
    )
