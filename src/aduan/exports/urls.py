"""Export URLs (under /staf/ekspor/), in Bahasa Indonesia."""

from django.urls import path

from aduan.exports import views

app_name = "exports"
urlpatterns = [
    path("", views.jobs, name="jobs"),
    path("<int:pk>/unduh/", views.download, name="download"),
    path("<slug:list_name>/<slug:file_format>/", views.export, name="export"),
]
