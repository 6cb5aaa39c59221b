"""Search URLs (under /cari/), in Bahasa Indonesia."""

from django.urls import URLPattern, URLResolver, path

from aduan.search import views

app_name = "search"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.public_search, name="public"),
    path("staf/", views.staff_search, name="staff"),
]
