"""The connector's page for system administrators, under /staf/lapor/."""

from django.urls import path

from aduan.lapor import views

app_name = "lapor"

urlpatterns = [
    path("", views.admin, name="admin"),
    path("sinkron/", views.sync_now, name="sync"),
    path("pesan/ulang/", views.retry_all, name="retry_all"),
    path("pesan/<int:pk>/ulang/", views.retry, name="retry"),
    path("pesan/<int:pk>/buang/", views.discard, name="discard"),
    path("laporan/<int:pk>/ulang/", views.report_retry, name="report_retry"),
    path("berkas/<int:pk>/ulang/", views.file_retry, name="file_retry"),
]
