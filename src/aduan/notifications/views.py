"""The signed-in person's notifications and channel preferences (/akun/notifikasi/)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from aduan.accounts.models import User
from aduan.core.errors import InvalidInput
from aduan.core.pagination import keyset_page
from aduan.notifications import services
from aduan.notifications.delivery import in_language
from aduan.notifications.forms import PreferenceForm
from aduan.notifications.models import Notification, NotificationPreference


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    preference = NotificationPreference.objects.filter(user=user).first()
    initial = (
        {name: getattr(preference, name) for name in NotificationPreference.DEFAULTS}
        if preference
        else dict(NotificationPreference.DEFAULTS)
    )
    form = PreferenceForm(initial=initial)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "read_all":
            services.notification_mark_read(user=user)
            messages.success(request, _("All notifications are marked as read."))
            return redirect("accounts:notifications")
        if action == "read":
            try:
                ids = [int(request.POST.get("notification", ""))]
            except ValueError:
                return HttpResponse(_("Unknown notification."), status=400)
            services.notification_mark_read(user=user, notification_ids=ids)
            return redirect("accounts:notifications")
        if action == "preferences":
            form = PreferenceForm(request.POST)
            if form.is_valid():
                services.preference_update(user=user, **form.cleaned_data)
                messages.success(request, _("Your notification settings are saved."))
                return redirect("accounts:notifications")
            status = 400
        else:
            return HttpResponse(_("Unknown action."), status=400)
    try:
        page = keyset_page(
            Notification.objects.filter(user=user).select_related("delivery__outbox__agency"),
            ordering=["-id"],
            cursor=request.GET.get("cursor"),
            size=20,
        )
    except InvalidInput as error:
        return HttpResponse(str(error), status=400)
    language = get_language() or settings.LANGUAGE_CODE
    for item in page:
        item.shown_title, item.shown_body = in_language(item, language)
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "form": form,
            "unread": services.unread_count(user),
            "has_phone": bool(user.phone),
            "has_email": bool(user.email),
        },
        status=status,
    )
