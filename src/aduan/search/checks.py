"""System checks of the search index (docs/operations.md "Search index")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.core import checks
from django.utils.translation import gettext as _

from aduan.search.selectors import index_is_outdated


def index_matches_this_version(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """``aduan.search.W001``: the documents may have been written with other dictionaries or
    normalisation than this version's. A database check: it runs in ``migrate`` and
    ``check --database default``; plain ``check`` passes no database, and nothing is read."""
    if not databases:
        return []
    if app_configs is not None and apps.get_app_config("search") not in app_configs:
        return []
    if not any(index_is_outdated(using=alias) for alias in databases):
        return []
    return [
        checks.Warning(
            _(
                "The search index may have been built with other spellings, synonyms or "
                "normalisation than this version's: searches can miss complaints indexed before."
            ),
            hint=_("Run `aduan search rebuild`."),
            id="aduan.search.W001",
        )
    ]
