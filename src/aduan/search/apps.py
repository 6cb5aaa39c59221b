from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "aduan.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_delete, post_save

        from aduan.complaints.models import Complaint, Dispatch
        from aduan.search.checks import index_matches_this_version
        from aduan.search.signals import complaint_saved, dispatch_changed

        checks.register(index_matches_this_version, checks.Tags.database)

        post_save.connect(complaint_saved, sender=Complaint, dispatch_uid="search.complaint_saved")
        post_save.connect(dispatch_changed, sender=Dispatch, dispatch_uid="search.dispatch_saved")
        post_delete.connect(
            dispatch_changed, sender=Dispatch, dispatch_uid="search.dispatch_deleted"
        )
