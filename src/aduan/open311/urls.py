"""URLs of the open311 app."""

from django.urls import URLPattern, URLResolver

app_name = "open311"
urlpatterns: list[URLPattern | URLResolver] = []
