"""Citizen portal URLs: in Bahasa Indonesia, without a language prefix."""

from django.urls import path

from aduan.portal import opendata, statistics, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("lapor/", views.submit, name="submit"),
    path("lapor/wilayah/", views.regions, name="regions"),
    path("lapor/terkirim/", views.receipt, name="receipt"),
    path("lapor/tanda-terima/", views.receipt_download, name="receipt_download"),
    path("lacak/", views.track, name="track"),
    path("lacak/<str:tracking_id>/", views.track_detail, name="track_detail"),
    path(
        "lacak/<str:tracking_id>/lampiran/<int:pk>/",
        views.track_attachment,
        name="track_attachment",
    ),
    path("laporan/", views.public_list, name="public_list"),
    path("laporan/<str:tracking_id>/", views.public_detail, name="public_detail"),
    path("laporan/<str:tracking_id>/dukung/", views.support, name="support"),
    path("laporan-saya/", views.my_complaints, name="my_complaints"),
    path("data-terbuka/", opendata.open_data, name="open_data"),
    path("data-terbuka/laporan.csv", opendata.open_data_csv, name="open_data_csv"),
    path("data-terbuka/laporan.json", opendata.open_data_json, name="open_data_json"),
    path("statistik/", statistics.statistics, name="statistics"),
    path(
        "statistik/grafik/<slug:name>.<str:fmt>",
        statistics.statistics_chart,
        name="statistics_chart",
    ),
]
