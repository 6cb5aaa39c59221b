"""Back-office action-plan URLs (under /staf/renaksi/), in Bahasa Indonesia."""

from django.urls import path

from aduan.renaksi import views

app_name = "renaksi"
urlpatterns = [
    path("", views.progress, name="progress"),
    path("laporan.pdf", views.report_pdf, name="report_pdf"),
    path("tahun/", views.year_add, name="year_add"),
    path("asesmen/", views.assessment, name="assessment"),
    path("program/baru/", views.program_edit, name="program_add"),
    path("program/<int:pk>/ubah/", views.program_edit, name="program_edit"),
    path("indikator/baru/", views.indicator_edit, name="indicator_add"),
    path("indikator/<int:pk>/ubah/", views.indicator_edit, name="indicator_edit"),
    path("kegiatan/baru/", views.activity_edit, name="activity_add"),
    path("kegiatan/<int:pk>/", views.activity_detail, name="activity"),
    path("kegiatan/<int:pk>/ubah/", views.activity_edit, name="activity_edit"),
    path("kegiatan/<int:pk>/<int:year>/status/", views.activity_year_update, name="activity_year"),
    path("kegiatan/<int:pk>/<int:year>/bukti/", views.evidence_add, name="evidence_add"),
    path("bukti/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("bukti/<int:pk>/hapus/", views.evidence_remove, name="evidence_remove"),
]
