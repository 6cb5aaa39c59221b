"""Account forms: they parse and explain; ``aduan.accounts.services`` decides (and re-checks).

The contact checks here (a valid phone number, an address nobody else uses) repeat the
services' rules only to show the answer next to the right field; the services remain the
authority, and a refusal they raise still reaches the page.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import User
from aduan.core.errors import InvalidInput

DUPLICATE_EMAIL = _("An account with this e-mail address already exists.")
DUPLICATE_PHONE = _("An account with this phone number already exists.")
NEED_CONTACT = _("Give an e-mail address, a phone number, or both.")


def _code_widget(*, autocomplete: str) -> forms.TextInput:
    """A short numeric code: the phone's number pad, no spell-check, no capitalisation."""
    return forms.TextInput(
        attrs={
            "inputmode": "numeric",
            "autocomplete": autocomplete,
            "autocapitalize": "off",
            "spellcheck": "false",
            "size": "8",
        }
    )


def _digits(value: str) -> str:
    """A code as typed, with the spaces people add (``123 456``) removed."""
    return re.sub(r"\s", "", value or "")


class LoginForm(auth_forms.AuthenticationForm):
    """Sign in with a username, an e-mail address or a phone number, and the password."""

    username = auth_forms.UsernameField(
        label=_("Username, e-mail or phone"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "off"}
        ),
    )
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        # One message for an unknown account and a wrong password: the form must not tell
        # which usernames, addresses or numbers have an account.
        "invalid_login": _(
            "The username, e-mail or phone, or the password, is not right. Check both and "
            "try again."
        ),
    }


class OtpTokenForm(forms.Form):
    """A six-digit code from the authenticator app (sign-in step two, or enrolment)."""

    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        help_text=_("Six digits; a new code appears every 30 seconds."),
        widget=_code_widget(autocomplete="one-time-code"),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_otp_token(self) -> str:
        token = _digits(self.cleaned_data.get("otp_token", ""))
        if not token.isdigit() or len(token) != 6:
            raise forms.ValidationError(_("Type the six digits shown in the app."))
        return token


def _clean_email_field(value: str, *, exclude: User | None) -> str:
    email = User.objects.normalize_email((value or "").strip())
    if email:
        others = User.objects.all() if exclude is None else User.objects.exclude(pk=exclude.pk)
        if others.filter(email__iexact=email).exists():
            raise forms.ValidationError(DUPLICATE_EMAIL)
    return email


def _clean_phone_field(value: str, *, exclude: User | None) -> str:
    from aduan.complaints.services import normalize_phone

    try:
        phone = normalize_phone((value or "").strip())
    except InvalidInput as error:
        raise forms.ValidationError(str(error)) from None
    if phone:
        others = User.objects.all() if exclude is None else User.objects.exclude(pk=exclude.pk)
        if others.filter(phone=phone).exists():
            raise forms.ValidationError(DUPLICATE_PHONE)
    return phone


class _ContactFields(forms.Form):
    """Name, e-mail and phone, at least one of the two contacts."""

    required_css_class = "required"
    account: User | None = None  # the account being edited (None when registering)

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        required=False,
        help_text=_(
            "For example 0812 3456 7890. Give an e-mail address, a phone number or both; "
            "you can sign in with either."
        ),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    nik = forms.CharField(
        label=_("NIK (optional)"),
        max_length=40,
        required=False,
        help_text=_(
            "The 16-digit Nomor Induk Kependudukan on your KTP or family card (KK). Only you and "
            "the coordinators see it; it is never published or shown to the agencies."
        ),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def clean_nik(self) -> str:
        from aduan.identity.nik import normalize_nik, validate_nik

        value = self.cleaned_data.get("nik", "")
        if not normalize_nik(value):
            return ""
        verdict = validate_nik(value)
        if not verdict.valid:
            # The notes say why a region code may be missing (pemekaran).
            raise forms.ValidationError(verdict.reasons + [note.message for note in verdict.notes])
        return verdict.nik

    def clean_email(self) -> str:
        return _clean_email_field(self.cleaned_data.get("email", ""), exclude=self.account)

    def clean_phone(self) -> str:
        return _clean_phone_field(self.cleaned_data.get("phone", ""), exclude=self.account)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if (
            not data.get("email")
            and not data.get("phone")
            and not self.has_error("email")
            and not self.has_error("phone")
        ):
            self.add_error("email", NEED_CONTACT)
        return data


class RegisterForm(auth_forms.SetPasswordMixin, _ContactFields):
    """A reporter's new account."""

    password1, password2 = auth_forms.SetPasswordMixin.create_password_fields(
        label1=_("Password"), label2=_("Password again")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.validate_passwords()
        # The validators compare the password with the person's name and contacts.
        candidate = User(
            username=(data.get("email") or "").split("@", 1)[0],
            first_name=data.get("name", ""),
            email=data.get("email", ""),
        )
        self.validate_password_for_user(candidate, password_field_name="password1")  # noqa: S106
        return data


class ProfileForm(_ContactFields):
    """A person's own name, contacts and language."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, account: User, with_nik: bool = True, **kwargs: Any) -> None:
        self.account = account
        kwargs.setdefault(
            "initial",
            {
                "name": account.get_full_name(),
                "email": account.email,
                "phone": account.phone,
                "nik": account.nik,
                "language": account.language,
            },
        )
        super().__init__(*args, **kwargs)
        if not with_nik:  # staff accounts: a NIK is a citizen's matter
            del self.fields["nik"]


class PhoneCodeForm(forms.Form):
    """The six-digit code that came by SMS."""

    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=12,
        widget=_code_widget(autocomplete="one-time-code"),
    )

    def clean_code(self) -> str:
        code = _digits(self.cleaned_data.get("code", ""))
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("Type the six digits from the text message."))
        return code


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, sending each person the mail in their own language."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        context = {**context, "instansi_name": settings.ADUAN_INSTANSI_NAME}
        user = context.get("user")
        language = getattr(user, "language", "") or settings.LANGUAGE_CODE
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )
