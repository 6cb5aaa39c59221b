"""Staff back office URLs (under /staf/)."""

from django.urls import path

from aduan.portal.views import placeholder

app_name = "backoffice"
urlpatterns = [path("", placeholder, name="home")]
