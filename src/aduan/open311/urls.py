"""URLs of the open311 app: GeoReport v2 under /open311/v2/, each with a .json or .xml suffix."""

from django.urls import URLPattern, URLResolver, re_path

from aduan.open311 import views

app_name = "open311"
_FMT = r"\.(?P<fmt>json|xml)$"
urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^discovery" + _FMT, views.discovery, name="discovery"),
    re_path(r"^services" + _FMT, views.service_list, name="services"),
    re_path(
        r"^services/(?P<service_code>[^/]+?)" + _FMT,
        views.service_definition,
        name="service_definition",
    ),
    re_path(r"^requests" + _FMT, views.requests_view, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[^/]+?)" + _FMT,
        views.request_detail,
        name="request",
    ),
    re_path(r"^tokens/(?P<token>[^/]+?)" + _FMT, views.token_detail, name="token"),
]
