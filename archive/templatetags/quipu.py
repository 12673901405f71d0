"""Filters and tags for the archive's pages: `{% load quipu %}`."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from archive.rendering import reveal_controls, sanitise_html

register = template.Library()


@register.filter
def rendered(html: str):
    """Staff Markdown as rendered when it was saved (note_html, description_html).

    Sanitised again on the way out, which is linear: a row written by other means than
    the models' save() still cannot carry markup beyond the allowed tags.
    """
    return sanitise_html(html or "")


@register.filter
def inert(text) -> str:
    """Document text with direction controls shown, not obeyed; autoescaping still applies."""
    return reveal_controls(str(text)) if text else ""


@register.filter
def classification_level(classification: str) -> str:
    """A CSS modifier for the banner: secret, confidential, fouo, unclassified or unknown."""
    value = (classification or "").upper()
    if "SECRET" in value:
        return "secret"
    if "CONFIDENTIAL" in value:
        return "confidential"
    if any(word in value for word in ("OFFICIAL USE", "FOUO", "SBU", "SENSITIVE")):
        return "fouo"
    if "UNCLASSIFIED" in value:
        return "unclassified"
    return "unknown"


@register.filter
def is_noforn(classification: str) -> bool:
    value = (classification or "").upper()
    return "NOFORN" in value or "//NF" in value


@register.filter
def thousands(number) -> str:
    """1234567 → "1,234,567"."""
    try:
        return f"{int(number):,}"
    except (TypeError, ValueError):
        return ""


@register.simple_tag
def search_url(**params) -> str:
    """/search/?name=value… for facet links; empty values are left out."""
    query = urlencode({name: value for name, value in params.items() if value not in (None, "")})
    return f"{reverse('search')}?{query}" if query else reverse("search")


@register.filter
def moment(value, precision: str = "minute") -> str:
    """A UTC time to the precision the source gives: '17 Oct 2007, 17:04 UTC', or
    '17 Oct 2007, 17h UTC' where only the hour is known."""
    if not value:
        return ""
    day = f"{value.day} {value:%b %Y}"
    if precision == "hour":
        return f"{day}, {value:%H}h UTC"
    return f"{day}, {value:%H:%M} UTC"
