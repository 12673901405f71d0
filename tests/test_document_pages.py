"""Document pages, permalinks, originals, tag pages and the home page, on the seeds and corpus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from archive.middleware import CONTENT_SECURITY_POLICY
from archive.models import Document, Tag
from archive.rendering import highlight_terms, render_markdown
from archive.search.highlighting import Highlighter
from tests.conftest import SEED_FILES, corpus_pages

pytestmark = pytest.mark.django_db

LIMA = "07LIMA3429"

HOSTILE_ARTICLE = """American Forces Press Service

<script>alert("title")</script> Officials Discuss Riverine Program

By Jane Q. Reporter
American Forces Press Service

LIMA, Peru, Oct. 6, 2007 – Officials met <img src=x onerror=alert(1)> here yesterday to discuss \
the riverine program and its future funding.

A second paragraph links [click me](javascript:alert(2)) and \
<a href="javascript:alert(3)">this</a> and ends with a \u202ereversed\u202c phrase \
so it reads backwards.

A third paragraph has "><svg onload=alert(4)> and <iframe src="https://evil.example"></iframe> \
in it, with plenty of words to be kept.
"""

HOSTILE_MARKDOWN = (
    "Staff note: <script>alert(5)</script> [link](javascript:alert(6)) "
    "[ok](https://example.org/ok) <img src=x onerror=alert(7)> "
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==) "
    '<a href="#" onclick="alert(9)">click</a> \u202eevil'
)


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """{% static %} without a collectstatic manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def corpus(import_file):
    """Every Cablegate page of the sample corpus, imported."""
    for path in corpus_pages():
        result = import_file(path)
        assert result.status != "failed", result.reason
    return Document.objects.cables()


@pytest.fixture
def hostile(import_file, tmp_path) -> Document:
    path = tmp_path / "hostile.txt"
    path.write_text(HOSTILE_ARTICLE, encoding="utf-8")
    result = import_file(path)
    assert result.status == "created", result.reason
    document = Document.objects.get(identifier=result.identifier)
    document.note = HOSTILE_MARKDOWN
    document.save()
    return document


def page(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


# ---------- Document pages ----------


def test_cable_page_shows_metadata_banner_tags_and_body(client, seeds):
    cable = seeds["cable"]
    html = page(client, cable.get_absolute_url())
    assert "<h1" in html and "MOD BRIEFS SECRETARY GATES" in html
    assert html.count('class="banner banner--confidential') == 2  # top and bottom
    assert 'class="ident">07LIMA3429</dd>' in html
    assert "Embassy Lima" in html
    assert "<details" in html and "<summary>" in html  # addressees collapse
    assert 'href="/search/?tag=PGOV"' in html
    assert "Analyst note" not in html  # nothing to show
    assert f'href="{reverse("original", args=[LIMA])}"' in html


def test_cable_tags_carry_their_glossary_description(client, seeds):
    pgov = Tag.objects.get(name="PGOV")
    pgov.description = "Internal governmental affairs"
    pgov.save()
    html = page(client, seeds["cable"].get_absolute_url())
    assert (
        '<a class="chip chip--code" href="/search/?tag=PGOV" '
        'title="Internal governmental affairs">PGOV</a>' in html
    )


def test_staff_topics_link_to_search_and_to_the_tag_page(client, seeds):
    topic = Tag.objects.create(name="Counter-narcotics", kind=Tag.Kind.TOPIC)
    seeds["cable"].tags.add(topic)
    html = page(client, seeds["cable"].get_absolute_url())
    assert 'href="/search/?tag=Counter-narcotics"' in html
    assert f'href="{topic.get_absolute_url()}"' in html


def test_article_page_shows_source_byline_and_date(client, seeds):
    article = seeds["afps"]
    html = page(client, article.get_absolute_url())
    assert "American Forces Press Service" in html
    assert article.byline and article.byline in html
    assert 'class="banner' not in html  # articles carry no classification
    assert "Cite this article" in html


def test_every_paragraph_of_every_document_has_an_anchor_and_a_self_link(client, seeds, corpus):
    documents = Document.objects.prefetch_related("paragraphs")
    assert documents.count() == len(SEED_FILES) + len(corpus_pages())
    for document in documents:
        html = page(client, document.get_absolute_url())
        for paragraph in document.paragraphs.all():
            assert f'<div class="para" id="{paragraph.anchor}">' in html, (
                document.identifier,
                paragraph.number,
            )
            assert f'href="#{paragraph.anchor}"' in html
            shown = f"[{paragraph.number}]" if paragraph.numbered_by == "archive" else f"¶{paragraph.number}"
            assert f"{shown}</a>" in html


def test_paragraph_text_is_escaped_and_keeps_its_line_breaks(client, seeds):
    paragraph = seeds["cable"].paragraphs.get(number=5)
    paragraph.text = "First line & more\nSecond line"
    paragraph.save()
    html = page(client, seeds["cable"].get_absolute_url())
    assert '<span class="para__content">First line &amp; more\nSecond line</span>' in html


def test_copy_link_button_is_hidden_until_the_script_shows_it(client, seeds):
    html = page(client, seeds["cable"].get_absolute_url())
    assert re.search(r'<button type="button" class="copy-link" data-anchor="p5" hidden>', html)


def test_lowercase_cable_identifier_redirects_to_the_canonical_one(client, seeds):
    response = client.get("/documents/07lima3429/?hl=vrae")
    assert response.status_code == 301
    assert response["Location"] == "/documents/07LIMA3429/?hl=vrae"


def test_unknown_document_is_a_404_that_names_it(client, seeds):
    response = client.get("/documents/99NOWHERE1/")
    assert response.status_code == 404
    assert "There is no document “99NOWHERE1” in the archive." in response.content.decode()
    assert 'href="/search/?q=99NOWHERE1"' in response.content.decode()


def test_a_404_for_any_other_url_uses_the_site_template(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "There is no page at /no/such/page/" in response.content.decode()
    assert 'class="site-header"' in response.content.decode()


def test_highlighting_marks_every_form_of_the_word_case_insensitively(client, seeds):
    html = page(client, seeds["cable"].get_absolute_url(), hl="vrae")
    assert "<mark>VRAE</mark>" in html
    assert "Highlighting <mark>vrae</mark>" in html
    html = page(client, seeds["cable"].get_absolute_url(), hl="plan")
    assert "<mark>plans</mark>" in html and "<mark>Plan</mark>" in html  # as a search for "plan" matches
    assert "<mark>plants</mark>" not in html


def test_highlight_terms_are_escaped_and_capped():
    assert highlight_terms("<script>alert(1)</script>") == ["script", "alert"]
    assert len(highlight_terms(" ".join(f"word{i}" for i in range(50)))) == 8
    assert highlight_terms("a Lima lima") == ["Lima"]
    html, count = Highlighter.for_words(["amp", "bold"]).mark("AT&T and amps & <bold>")
    assert html == "AT&amp;T and <mark>amps</mark> &amp; &lt;<mark>bold</mark>&gt;" and count == 2


def test_cite_this_names_the_cable_and_its_permalink(client, seeds):
    cable = seeds["cable"]
    html = page(client, cable.get_absolute_url())
    expected = (
        "Embassy Lima, &quot;MOD BRIEFS SECRETARY GATES ON PLANS TO ENHANCE INTERNAL "
        "SECURITY&quot;, "
        "cable 07LIMA3429, 17 October 2007"
    )
    assert f"{expected}, http://testserver/documents/07LIMA3429/</p>" in html
    assert f"{expected}, ¶5, http://testserver/documents/07LIMA3429/p/5/</span>" in html


def test_references_link_only_to_cables_in_the_archive(client, seeds, corpus, django_assert_num_queries):
    from archive.models import Reference
    from archive.references import resolve

    cable = seeds["cable"]
    references = [
        Reference(document=cable, position=0, text="BERN 350", reference_id="09BERN350"),
        Reference(document=cable, position=1, text="LIMA 1561", reference_id="09LIMA1561"),
        Reference(document=cable, position=2, text="YOUR EMAIL OF 3/5", reference_id=""),
    ]
    with django_assert_num_queries(1):
        resolved = resolve(references)
    assert [(r.label, r.in_archive, r.url) for r in resolved] == [
        ("BERN 350", True, "/documents/09BERN350/"),
        ("LIMA 1561", False, "/documents/09LIMA1561/"),  # the page of a cable the archive lacks
        ("YOUR EMAIL OF 3/5", False, None),
    ]


def test_document_page_makes_a_fixed_number_of_queries(client, seeds, corpus, django_assert_max_num_queries):
    # Document, tags, paragraphs, references, source files, citing cables, and the two steps
    # of the neighbourhood; related documents: the archive's size, how many documents hold
    # its tags and origin, the cables citing it or what it cites, the candidates with their
    # tags, and at most two more with tags for the nearest in time. None grows with the size
    # of the document or of the archive.
    with django_assert_max_num_queries(19):
        page(client, seeds["cable"].get_absolute_url())


def test_related_documents_box_disappears_when_the_index_fails(client, seeds, monkeypatch, caplog):
    from haystack.query import SearchQuerySet

    def broken(self, model):
        raise OSError("index is gone")

    monkeypatch.setattr(SearchQuerySet, "more_like_this", broken)
    html = page(client, seeds["cable"].get_absolute_url())
    assert "Related documents" not in html
    assert "index is gone" in caplog.text


def test_a_cable_alone_in_the_archive_has_a_page_saying_nothing_is_related(client, import_file, dev_page):
    from archive.search.indexing import drain_queue

    result = import_file(dev_page("10TELAVIV413"))
    drain_queue(wait=5)
    html = page(client, Document.objects.get(identifier=result.identifier).get_absolute_url())
    assert 'class="panel related"' in html
    assert "No related documents found" in html
    assert "related__list" not in html


def test_a_document_not_yet_indexed_has_a_page_saying_nothing_is_related(client, seeds):
    html = page(client, seeds["cable"].get_absolute_url())
    assert "No related documents found" in html
    assert "related__list" not in html


# ---------- Paragraph permalinks ----------


def test_paragraph_permalink_redirects_to_the_anchor(client, seeds):
    response = client.get("/documents/07LIMA3429/p/5/")
    assert response.status_code == 302
    assert response["Location"] == "/documents/07LIMA3429/#p5"


def test_paragraph_permalink_accepts_a_lowercase_identifier(client, seeds):
    response = client.get("/documents/07lima3429/p/1/")
    assert response["Location"] == "/documents/07LIMA3429/#p1"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/documents/07LIMA3429/p/99/", "07LIMA3429 has no paragraph 99."),
        ("/documents/07LIMA3429/p/five/", "07LIMA3429 has no paragraph five."),
        ("/documents/07LIMA3429/p/-1/", "07LIMA3429 has no paragraph -1."),
        (
            "/documents/07LIMA3429/p/99999999999999999999/",
            "07LIMA3429 has no paragraph 99999999999999999999.",
        ),
        ("/documents/07LIMA3429/p/%C2%B2/", "07LIMA3429 has no paragraph ²."),
        ("/documents/99NOWHERE1/p/1/", "There is no document “99NOWHERE1” in the archive."),
    ],
)
def test_bad_paragraph_permalinks_are_404s_that_say_why(client, seeds, url, message):
    response = client.get(url)
    assert response.status_code == 404
    assert message in response.content.decode()
    if "has no paragraph" in message:
        assert 'href="/documents/07LIMA3429/">Read 07LIMA3429</a>' in response.content.decode()


def test_paragraph_permalinks_survive_a_reimport(client, import_file, seeds):
    before = {p.number: p.anchor for p in seeds["cable"].paragraphs.all()}
    seeds["cable"].delete()
    assert import_file(SEED_FILES["cable"]).status == "created"
    for number, anchor in before.items():
        response = client.get(f"/documents/{LIMA}/p/{number}/")
        assert response["Location"] == f"/documents/{LIMA}/#{anchor}"


# ---------- Originals ----------


def test_original_is_served_verbatim_as_plain_text(client, seeds):
    response = client.get(f"/documents/{LIMA}/original/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'inline; filename="002_97bee5f77f2f9dbc.txt"'
    assert response.content == SEED_FILES["cable"].read_bytes()


def test_html_original_is_never_served_as_html(client, corpus):
    path = corpus_pages()[0]
    document = Document.objects.get(source_files__file_name=path.name)
    response = client.get(reverse("original", args=[document.identifier]))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == f'inline; filename="{path.name}.txt"'
    assert "sandbox" in response["Content-Security-Policy"]
    assert response.content == path.read_bytes()


def test_windows_1252_original_is_reencoded_as_utf8(client, import_file, tmp_path):
    text = SEED_FILES["afps"].read_text(encoding="utf-8").replace("–", "-").replace("’", "'")
    text = text.replace("“", '"').replace("”", '"') + "\nCafé con leche.\n"
    path = tmp_path / "cp1252.txt"
    path.write_bytes(text.encode("cp1252"))
    result = import_file(path)
    assert result.status == "created", result.reason
    document = Document.objects.get(identifier=result.identifier)
    assert document.current_file.encoding == "cp1252"
    response = client.get(reverse("original", args=[document.identifier]))
    assert response.content.decode("utf-8").endswith("Café con leche.\n")


def test_unknown_original_is_a_404(client, db):
    response = client.get("/documents/99NOWHERE1/original/")
    assert response.status_code == 404


# ---------- Hostile input ----------


def test_hostile_document_renders_as_inert_text(client, hostile):
    html = page(client, hostile.get_absolute_url())
    body = html.split('<main id="main"', 1)[1]
    for live in [
        "<script>alert",
        "<img src=x",
        "<svg",
        "<iframe",
        'href="javascript:',
        "onerror=alert(7)",
        'onclick="',
        "data:text/html",
        "\u202e",
    ]:
        assert live not in body, live
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; Officials Discuss" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "[click me](javascript:alert(2))" in body
    assert "[U+202E]reversed[U+202C]" in body
    assert '<a href="https://example.org/ok" rel="noopener noreferrer nofollow">ok</a>' in body
    assert "<title>&lt;script&gt;" in html


def test_hostile_highlight_parameter_is_inert(client, hostile):
    html = page(client, hostile.get_absolute_url(), hl='"><script>alert(1)</script>')
    assert "<script>alert(1)" not in html
    assert "<mark>script</mark>" in html


def test_render_markdown_keeps_formatting_and_drops_active_content():
    html = render_markdown(HOSTILE_MARKDOWN + "\n\n**bold** and *em*")
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    for live in [
        "<script",
        "javascript:",
        "onerror",
        "onclick",
        "<img",
        "data:text/html",
        "\u202e",
    ]:
        assert live not in html, live


def test_csp_header_is_on_every_page(client, seeds):
    tag = Tag.objects.get(name="PGOV")
    for url in ["/", seeds["cable"].get_absolute_url(), tag.get_absolute_url(), "/documents/NOPE/"]:
        response = client.get(url)
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url


def test_templates_hold_no_inline_style_or_script():
    templates = Path(__file__).resolve().parent.parent / "templates"
    for path in [
        templates / "base.html",
        templates / "404.html",
        templates / "500.html",
        *templates.glob("archive/[!s]*.html"),
        *templates.glob("includes/*.html"),
    ]:
        source = path.read_text()
        assert "style=" not in source and "<style" not in source, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", source), path
        assert not re.search(r"\son[a-z]+=", source), path


# ---------- Home and tag pages ----------


def test_home_counts_documents_by_type_and_source(client, seeds, corpus):
    html = page(client, "/")
    cables, articles = Document.objects.cables().count(), Document.objects.articles().count()
    assert re.search(rf'href="/search/\?type=cable"><span class="stat__number">{cables}</span>', html)
    assert re.search(rf'href="/search/\?type=article"><span class="stat__number">{articles}</span>', html)
    assert 'href="/search/?source=WikiLeaks+Cablegate"' in html or "Cablegate" in html
    assert 'href="/search/?origin=Embassy+Lima"' in html
    assert 'href="/search/?tag=PGOV"' in html
    assert 'href="/search/?classification=CONFIDENTIAL"' in html
    assert 'href="/search/?date_from=2007-01-01&amp;date_to=2007-12-31"' in html


def test_home_lists_the_ten_newest_documents(client, seeds, corpus):
    html = page(client, "/")
    latest = html.split('id="latest-title"', 1)[1].split("</section>", 1)[0]
    newest = list(Document.objects.newest_first()[:11])
    for document in newest[:10]:
        assert f'href="{document.get_absolute_url()}"' in latest
    assert f'href="{newest[10].get_absolute_url()}"' not in latest


def test_home_page_query_count_does_not_grow_with_the_archive(
    client, seeds, corpus, django_assert_num_queries
):
    with django_assert_num_queries(7):
        page(client, "/")


def test_home_page_works_on_an_empty_archive(client, db):
    html = page(client, "/")
    assert "The archive is empty" in html


def test_tag_page_lists_its_documents_newest_first_with_a_search_link(client, seeds, corpus):
    tag = Tag.objects.get(name="PGOV")
    tag.description = "Internal *governmental* affairs. <script>alert(1)</script>"
    tag.save()
    html = page(client, tag.get_absolute_url())
    assert "<h1>PGOV</h1>" in html
    assert "Internal <em>governmental</em> affairs." in html and "<script>alert" not in html
    assert 'href="/search/?tag=PGOV"' in html
    positions = [html.index(f'href="{d.get_absolute_url()}"') for d in tag.documents.newest_first()[:25]]
    assert positions == sorted(positions)


def test_tag_page_paginates(client, seeds, corpus):
    tag = Tag.objects.create(name="Everything", kind=Tag.Kind.TOPIC)
    tag.documents.set(Document.objects.all())
    first = page(client, tag.get_absolute_url())
    assert 'rel="next" href="?page=2"' in first
    second = page(client, tag.get_absolute_url(), page=2)
    assert "Page 2 of 2" in second
    assert page(client, tag.get_absolute_url(), page="x")  # a bad page number shows page 1


def test_unknown_tag_is_a_404(client, db):
    response = client.get("/tags/no-such-tag/")
    assert response.status_code == 404
    assert "There is no tag “no-such-tag”." in response.content.decode()


def test_tag_page_query_count_does_not_grow_with_its_documents(
    client, seeds, corpus, django_assert_num_queries
):
    tag = Tag.objects.get(name="PGOV")
    with django_assert_num_queries(3):
        page(client, tag.get_absolute_url())


def test_server_error_page_renders_without_a_request():
    html = render_to_string("500.html")
    assert "Something went wrong" in html and 'href="/"' in html


def test_a_paragraph_numbered_by_the_archive_is_shown_and_cited_as_such(client, import_file, dev_page):
    import_file(dev_page("05SANJOSE2795"))
    html = page(client, "/documents/05SANJOSE2795/")
    assert 'class="para__num para__num--archive" href="#p1"' in html
    assert ">[1]</a>" in html
    assert "paragraph 1 (numbered by the archive)" in html


def test_times_are_shown_to_the_precision_the_source_gives(client, import_file, dev_page):
    import_file(dev_page("05SANAA1352"))  # a partial extract: no date-time group, no record
    html = page(client, "/documents/05SANAA1352/")
    assert "23 May 2005, 14h UTC" in html
    assert ":00 UTC" not in html
