"""Super-App sign-in, connecting an account, and deep links (under /superapp/;
docs/superapp.md)."""

from django.urls import path

from aduan.superapp import views

app_name = "superapp"
urlpatterns = [
    path("masuk/", views.sign_in, name="sign_in"),
    path("masuk/kembali/", views.callback, name="callback"),
    path("hubungkan/", views.connect, name="connect"),
    path("putuskan/", views.disconnect, name="disconnect"),
    path("keluar/backchannel/", views.backchannel_logout, name="backchannel_logout"),
    path("lacak/<str:tracking_id>/", views.track, name="track"),
]
