"""Staff dashboard URLs (under /staf/dasbor/), in Bahasa Indonesia."""

from django.urls import path, re_path

from aduan.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("target/", views.targets, name="targets"),
    re_path(r"^grafik/(?P<name>[a-z-]+)\.(?P<fmt>svg|png)$", views.chart, name="chart"),
]
