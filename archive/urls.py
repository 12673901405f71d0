from django.contrib import admin
from django.urls import path

from archive.views import api, documents, exports, health, quotes, search, versions

urlpatterns = [
    path("", documents.home, name="home"),
    path("search/", search.search, name="search"),
    path("search/help/", search.search_help, name="search_help"),
    path("search/export.csv", exports.export_csv, name="export_csv"),
    path("search/export.jsonl", exports.export_jsonl, name="export_jsonl"),
    path("search/feed.atom", exports.search_feed, name="search_feed"),
    path("opensearch.xml", exports.opensearch, name="opensearch"),
    path("documents/<str:identifier>/", documents.document, name="document"),
    path("documents/<str:identifier>/p/<str:number>/", documents.paragraph_permalink, name="paragraph"),
    path("documents/<str:identifier>/cite.<str:fmt>", documents.cite, name="cite"),
    path("documents/<str:identifier>/p/<str:number>/cite.<str:fmt>", documents.cite, name="cite_paragraph"),
    path("documents/<str:identifier>/original/", documents.original, name="original"),
    path("documents/<str:identifier>/original/<int:number>/", documents.original, name="original_file"),
    path("documents/<str:identifier>/versions/", versions.versions, name="versions"),
    path("tags/<slug:slug>/", documents.tag, name="tag"),
    path("api/documents/", api.document_list, name="api_documents"),
    path("api/documents/<str:identifier>/", api.document_detail_view, name="api_document"),
    path("api/references/<str:reference_id>/", api.reference_detail, name="api_reference"),
    path("api/search/", search.api_search, name="api_search"),
    path("quote/", quotes.quote, name="quote"),
    path("api/quote/", quotes.api_quote, name="api_quote"),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
