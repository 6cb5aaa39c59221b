"""Routing suggestions under /staf/rute/ (URLs in Bahasa Indonesia)."""

from django.urls import path

from aduan.routing import views

app_name = "routing"

urlpatterns = [
    path("", views.admin, name="admin"),
    path("pengaturan/", views.settings_change, name="settings"),
    path("latih/", views.retrain, name="retrain"),
    path("unggah/", views.upload, name="upload"),
    path("aduan/<str:tracking_id>/pakai/", views.use, name="use"),
    path("aduan/<str:tracking_id>/batalkan/", views.undo, name="undo"),
]
