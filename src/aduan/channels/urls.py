"""URLs of the channels app (mounted at /kanal/): the webhooks of the message channels."""

from django.urls import URLPattern, URLResolver, path

from aduan.channels import views

app_name = "channels"
urlpatterns: list[URLPattern | URLResolver] = [
    path("whatsapp/", views.whatsapp_webhook, name="whatsapp"),
    path("sms/", views.sms_webhook, name="sms"),
    path("email/", views.email_webhook, name="email"),
]
