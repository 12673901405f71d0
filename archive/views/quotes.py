"""The quote finder: a page and its API."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from archive.quotes import MAX_CHARS, MIN_WORDS, LookupProblem, PassageProblem, find_passage
from archive.rendering import marked


@require_GET
def quote(request):
    text = request.GET.get("text", "")
    context = {"text": text, "max_chars": MAX_CHARS, "min_words": MIN_WORDS, "matches": None, "problem": ""}
    status = 200
    if "text" in request.GET:
        try:
            matches = find_passage(text)
        except PassageProblem as exc:
            context["problem"] = str(exc)
            status = 503 if isinstance(exc, LookupProblem) else 200  # the form is shown again
        else:
            context["matches"] = [
                {"match": match, "text": marked(match.paragraph.text, match.spans)} for match in matches
            ]
    return render(request, "archive/quote.html", context, status=status)


@require_GET
def api_quote(request):
    try:
        matches = find_passage(request.GET.get("text", ""))
    except PassageProblem as exc:
        return JsonResponse({"error": str(exc)}, status=exc.status)
    return JsonResponse(
        {
            "matches": [
                {
                    "identifier": match.document.identifier,
                    "paragraph": match.paragraph.number,
                    "url": request.build_absolute_uri(match.url),
                    "score": match.score,
                    "exact": match.exact,
                }
                for match in matches
            ]
        },
        json_dumps_params={"ensure_ascii": False},
    )
