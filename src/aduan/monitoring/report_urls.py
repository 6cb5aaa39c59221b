"""Periodic reports and letters, mounted under /staf/laporan-berkala/ (URLs in Bahasa Indonesia)."""

from django.urls import path

from aduan.monitoring import report_views

app_name = "monitoring_reports"
urlpatterns = [
    path("", report_views.index, name="index"),
    path("laporan.pdf", report_views.report_pdf, name="report_pdf"),
    path("siaran-pers/", report_views.press_release, name="press_release"),
    path("surat-teguran.pdf", report_views.reprimand_letter, name="reprimand_letter"),
]
