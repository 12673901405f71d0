"""Forms of the admin: the document change form's tags, and the intermediate pages
(add/remove tags, merge, tag a search's results)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.http import QueryDict
from django.urls import reverse

from archive.models import Document, Tag
from archive.search.forms import CRITERIA

TAG_NAME_MAX = Tag._meta.get_field("name").max_length
NO_CRITERIA = "That search has no criteria (no words, no filters): it would tag every document."


def tags_field():
    """The Document.tags field: the admin's tag autocomplete is keyed on it."""
    return Document._meta.get_field("tags")


def use_widget(field, widget) -> None:
    """Give a model choice field the admin's autocomplete widget (it needs the admin site)."""
    widget.choices = field.choices
    widget.is_required = field.required
    field.widget = widget


class DocumentChangeForm(forms.ModelForm):
    """Saves the tags added and removed relative to the tags the form showed, not the whole set.

    Someone else may change the tags between the moment this form is opened and its save
    (a tagger, a bulk action): a set would silently undo their edit. `tags_shown` carries
    the tags the form was opened with; a post without it (an older page) changes the set.
    """

    tags_shown = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk is not None:
            shown = sorted(self.instance.tags.values_list("pk", flat=True))
            self.initial["tags_shown"] = ",".join(map(str, shown))

    def clean_tags_shown(self) -> set[int] | None:
        if "tags_shown" not in self.data:
            return None
        value = self.cleaned_data["tags_shown"]
        try:
            return {int(pk) for pk in value.split(",") if pk.strip()}
        except ValueError:
            message = "This page is out of date: reload it and make the change again."
            raise forms.ValidationError(message) from None

    def tag_changes(self) -> tuple[list[Tag], list[Tag]]:
        """(tags added, tags removed) by this form, relative to what it showed."""
        chosen = {tag.pk: tag for tag in self.cleaned_data["tags"]}
        shown = self.cleaned_data.get("tags_shown")
        if shown is None:
            shown = {tag.pk for tag in self.initial.get("tags", [])}
        added = [tag for pk, tag in chosen.items() if pk not in shown]
        removed = list(Tag.objects.filter(pk__in=shown - chosen.keys()))
        return sorted(added, key=str), sorted(removed, key=str)

    def _save_m2m(self):
        # Tags are the only many-to-many field of a document.
        if "tags" in self.cleaned_data:
            added, removed = self.tag_changes()
            self.instance.tags.add(*added)
            self.instance.tags.remove(*removed)


class AddTagsForm(forms.Form):
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(),
        required=False,
        label="Existing tags",
        help_text="Type to search tags by name.",
    )
    new_tags = forms.CharField(
        required=False,
        label="New topic tags",
        max_length=2000,
        help_text="Comma-separated names, created as topic tags. "
        "A name that already exists (in any letter case) is reused.",
    )

    def __init__(self, *args, admin_site, can_create_tags: bool, **kwargs):
        super().__init__(*args, **kwargs)
        use_widget(self.fields["tags"], AutocompleteSelectMultiple(tags_field(), admin_site))
        if not can_create_tags:
            del self.fields["new_tags"]

    def clean_new_tags(self) -> list[str]:
        names: list[str] = []
        seen: set[str] = set()
        for raw in self.cleaned_data["new_tags"].split(","):
            name = " ".join(raw.split())
            if not name or name.casefold() in seen:
                continue
            if len(name) > TAG_NAME_MAX:
                message = f"“{name[:40]}…” is longer than {TAG_NAME_MAX} characters."
                raise forms.ValidationError(message)
            seen.add(name.casefold())
            names.append(name)
        return names

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("tags") and not cleaned.get("new_tags") and not self.errors:
            raise forms.ValidationError("Pick at least one tag, or type the name of a new one.")
        return cleaned

    def new_tag_names(self) -> list[str]:
        return self.cleaned_data.get("new_tags") or []


class RemoveTagsForm(forms.Form):
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Remove these tags",
        help_text="The tags the selected documents carry, with counts.",
    )

    def __init__(self, *args, tags_in_selection, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["tags"]
        field.queryset = tags_in_selection
        field.label_from_instance = lambda tag: f"{tag.name} ({tag.selected_count:,})"


class MergeTagsForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Tag.objects.all(),
        label="Merge into",
        help_text="The tag that remains. It keeps its name, kind and description.",
    )

    def __init__(self, *args, admin_site, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = list(sources)
        use_widget(self.fields["target"], AutocompleteSelect(tags_field(), admin_site))

    def clean_target(self):
        target = self.cleaned_data["target"]
        if not [tag for tag in self.sources if tag.pk != target.pk]:
            raise forms.ValidationError("A tag cannot be merged into itself.")
        return target

    def merged_tags(self) -> list[Tag]:
        target = self.cleaned_data["target"]
        return [tag for tag in self.sources if tag.pk != target.pk]


class SearchURLForm(forms.Form):
    url = forms.CharField(
        label="Public search URL",
        max_length=4000,
        widget=forms.TextInput(attrs={"class": "vLargeTextField", "autofocus": True}),
        help_text="Run the search on the public site and paste the address of its results, "
        "e.g. http://127.0.0.1:8000/search/?q=VRAE&origin=Embassy+Lima",
    )

    def clean_url(self) -> str:
        value = self.cleaned_data["url"].strip()
        path, _ = split_search_url(value)
        search_path = reverse("search")
        if path and f"/{path.strip('/')}/" != search_path:
            message = f"That is not a search address: its path should be {search_path}"
            raise forms.ValidationError(message)
        if not search_criteria(value):
            raise forms.ValidationError(NO_CRITERIA)
        return value

    def criteria(self) -> QueryDict:
        return search_criteria(self.cleaned_data["url"])


def split_search_url(value: str) -> tuple[str, str]:
    """(path, query string) of a full URL, a path with a query, or a bare query string."""
    if "://" not in value and "?" not in value:
        return "", value
    parts = urlsplit(value)
    return parts.path, parts.query


def search_criteria(url: str) -> QueryDict:
    """The parameters that choose documents (archive.search.forms.CRITERIA) with a value."""
    params = QueryDict(split_search_url(url)[1], mutable=True)
    for key in list(params):
        values = [value for value in params.getlist(key) if value.strip()]
        if key not in CRITERIA or not values:
            del params[key]
        else:
            params.setlist(key, values)
    return params
