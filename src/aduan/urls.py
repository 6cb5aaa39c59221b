from django.contrib import admin
from django.urls import include, path

from aduan.core.views import healthz, set_language

# Unknown addresses: a problem document under /api/, an Open311 error under /open311/.
handler404 = "aduan.core.views.not_found"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("bahasa/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("akun/", include("aduan.accounts.urls")),
    path("staf/ekspor/", include("aduan.exports.urls")),
    path("staf/dasbor/", include("aduan.monitoring.urls")),
    path("staf/laporan-berkala/", include("aduan.monitoring.report_urls")),
    path("staf/rute/", include("aduan.routing.urls")),
    path("staf/duplikat/", include("aduan.duplicates.urls")),
    path("staf/lapor/", include("aduan.lapor.urls")),
    path("staf/pengetahuan/", include("aduan.knowledge.urls")),
    path("staf/renaksi/", include("aduan.renaksi.urls")),
    path("staf/", include("aduan.backoffice.urls")),
    path("api/", include("aduan.api.urls")),
    path("open311/v2/", include("aduan.open311.urls")),
    path("kanal/", include("aduan.channels.urls")),
    path("cari/", include("aduan.search.urls")),
    path("superapp/", include("aduan.superapp.urls")),
    path("renaksi/", include("aduan.renaksi.public_urls")),
    path("", include("aduan.portal.urls")),
]
