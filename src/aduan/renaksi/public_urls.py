"""The public action-plan page, mounted at /renaksi/."""

from django.urls import path

from aduan.renaksi import public

app_name = "renaksi_public"
urlpatterns = [path("", public.summary, name="summary")]
