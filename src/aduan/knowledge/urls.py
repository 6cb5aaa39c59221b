"""Knowledge for officers under /staf/pengetahuan/ (URLs in Bahasa Indonesia)."""

from django.urls import path

from aduan.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.documents, name="documents"),
    path("dokumen/baru/", views.document_create, name="document_create"),
    path("dokumen/<int:pk>/", views.document, name="document"),
    path("dokumen/<int:pk>/ubah/", views.document_edit, name="document_edit"),
    path("dokumen/<int:pk>/berkas/", views.document_file, name="document_file"),
    path("dokumen/<int:pk>/arsipkan/", views.document_archive, name="document_archive"),
    path("dokumen/<int:pk>/pulihkan/", views.document_restore, name="document_restore"),
    path("template-jawaban/", views.templates, name="templates"),
    path("template-jawaban/baru/", views.template_create, name="template_create"),
    path("template-jawaban/<int:pk>/ubah/", views.template_edit, name="template_edit"),
    path("template-jawaban/<int:pk>/arsipkan/", views.template_archive, name="template_archive"),
    path("template-jawaban/<int:pk>/pulihkan/", views.template_restore, name="template_restore"),
]
