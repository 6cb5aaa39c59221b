"""URLs of the api app, mounted at /api/: the OpenAPI schema, its docs, and /api/v1/."""

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from aduan.api import stats, views

app_name = "api"

v1: list[URLPattern | URLResolver] = [
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("agencies/", views.AgencyListView.as_view(), name="agencies"),
    path("regions/", views.RegionListView.as_view(), name="regions"),
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("complaints/", views.ComplaintSubmitView.as_view(), name="submit"),
    path("complaints/mine/", views.MyComplaintsView.as_view(), name="mine"),
    path("complaints/<str:tracking_id>/", views.ComplaintReporterView.as_view(), name="complaint"),
    path("complaints/<str:tracking_id>/reply/", views.ReporterReplyView.as_view(), name="reply"),
    path(
        "complaints/<str:tracking_id>/complete/",
        views.ReporterCompleteView.as_view(),
        name="complete",
    ),
    path("complaints/<str:tracking_id>/reopen/", views.ReporterReopenView.as_view(), name="reopen"),
    path("complaints/<str:tracking_id>/rate/", views.ReporterRateView.as_view(), name="rate"),
    path("public/complaints/", views.PublicListView.as_view(), name="public_list"),
    path(
        "public/complaints/<str:tracking_id>/",
        views.PublicDetailView.as_view(),
        name="public_detail",
    ),
    path(
        "public/complaints/<str:tracking_id>/support/",
        views.SupportView.as_view(),
        name="support",
    ),
    path("staff/complaints/", views.StaffListView.as_view(), name="staff_list"),
    path(
        "staff/complaints/<str:tracking_id>/",
        views.StaffDetailView.as_view(),
        name="staff_detail",
    ),
    *[
        path(
            f"staff/complaints/<str:tracking_id>/{slug}/",
            views.STAFF_ACTIONS[name].as_view(),
            name=f"staff_{name}",
        )
        for name, slug in [
            ("dispatch", "dispatch"),
            ("hold", "hold"),
            ("archive", "archive"),
            ("transfer", "transfer"),
            ("note", "notes"),
            ("resolve", "resolve"),
            ("instruct", "instructions"),
            ("followup_draft", "followups"),
        ]
    ],
    *[
        path(
            f"staff/complaints/<str:tracking_id>/{slug}/<str:pk>/{verb}/",
            views.STAFF_TARGET_ACTIONS[name].as_view(),
            name=f"staff_{name}",
        )
        for name, slug, verb in [
            ("dispatch_accept", "dispatches", "accept"),
            ("dispatch_decline", "dispatches", "decline"),
            ("followup_submit", "followups", "submit"),
            ("followup_return", "followups", "return"),
            ("followup_approve", "followups", "approve"),
        ]
    ],
    path("webhooks/", views.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/<str:pk>/", views.WebhookDetailView.as_view(), name="webhook"),
    path("stats/summary", stats.StatsSummaryView.as_view(), name="stats_summary"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", include(v1)),
]
