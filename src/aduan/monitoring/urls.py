"""Staff dashboard URLs (under /staf/dasbor/), in Bahasa Indonesia."""

from django.urls import path, re_path

from aduan.monitoring import trends, views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("target/", views.targets, name="targets"),
    path("tren/", trends.trends, name="trends"),
    path("tren/aduan/", trends.complaints, name="trend_complaints"),
    re_path(r"^grafik/(?P<name>[a-z-]+)\.(?P<fmt>svg|png)$", views.chart, name="chart"),
]
