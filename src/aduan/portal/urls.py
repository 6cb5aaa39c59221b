"""Citizen portal URLs: in Bahasa Indonesia, without a language prefix."""

from django.urls import path

from aduan.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.placeholder, name="home"),
    path("lapor/", views.placeholder, name="submit"),
    path("lacak/", views.placeholder, name="track"),
    path("laporan/", views.placeholder, name="public_list"),
    path("laporan-saya/", views.placeholder, name="my_complaints"),
]
