"""Sign-in, registration, verification, password reset and staff two-factor (under /akun/)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from aduan.accounts import views
from aduan.accounts.forms import PasswordResetForm
from aduan.notifications import views as notification_views

app_name = "accounts"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("notifikasi/", notification_views.notifications, name="notifications"),
    path("masuk/", views.LoginView.as_view(), name="login"),
    path("keluar/", views.LogoutView.as_view(), name="logout"),
    path("dua-langkah/", views.two_factor, name="two_factor"),
    path("dua-langkah/atur-ulang/", views.two_factor_reset, name="two_factor_reset"),
    path("daftar/", views.register, name="register"),
    # Before the token pattern, which would otherwise take "kirim-ulang" for a token.
    path("verifikasi-email/kirim-ulang/", views.verify_email_resend, name="verify_email_resend"),
    path("verifikasi-email/<str:token>/", views.verify_email, name="verify_email"),
    path("verifikasi-telepon/", views.verify_phone, name="verify_phone"),
    path("verifikasi-telepon/kirim-ulang/", views.verify_phone_resend, name="verify_phone_resend"),
    path(
        "sandi/lupa/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
            template_name="accounts/password_reset_form.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "sandi/lupa/terkirim/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "sandi/baru/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "sandi/baru/selesai/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path(
        "sandi/ubah/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change_form.html",
            success_url=reverse_lazy("accounts:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "sandi/ubah/selesai/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
]
