"""Staff back office URLs (under /staf/), in Bahasa Indonesia."""

from django.urls import path

from aduan.backoffice import views, workspace

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("verifikasi/", views.verification, name="verification"),
    path("verifikasi/massal/", views.verification_bulk, name="verification_bulk"),
    path("kotak-masuk/", views.inbox, name="inbox"),
    path("persetujuan/", views.approval, name="approval"),
    path("pengawasan/", views.supervisory, name="supervisory"),
    path("terlambat/", views.overdue, name="overdue"),
    path("pimpinan/", views.leadership, name="leadership"),
    path("lampiran/<int:pk>/", views.attachment, name="attachment"),
    path("aduan/<str:tracking_id>/", workspace.complaint, name="complaint"),
    path(
        "aduan/<str:tracking_id>/<slug:action>/",
        workspace.complaint_action,
        name="complaint_action",
    ),
    path(
        "aduan/<str:tracking_id>/<slug:action>/<int:target>/",
        workspace.complaint_target_action,
        name="complaint_target_action",
    ),
]
