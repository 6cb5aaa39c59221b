"""URLs of the channels app."""

from django.urls import URLPattern, URLResolver

app_name = "channels"
urlpatterns: list[URLPattern | URLResolver] = []
