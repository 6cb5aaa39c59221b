from django.urls import URLPattern, URLResolver, path

from aduan.duplicates import views

app_name = "duplicates"

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "aduan/<str:tracking_id>/bukan-duplikat/<int:pair>/",
        views.dismiss,
        name="dismiss",
    ),
]
