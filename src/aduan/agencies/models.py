"""Agencies (OPD / unit kerja), regions (Kemendagri codes) and complaint categories."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext


class Agency(models.Model):
    """A public-service provider; a tree (Setda → Biro, Dinas → UPTD).

    ``path`` is the materialised path of codes (``/SETDA/BIRO-HUKUM/``) so "this agency and its
    sub-units" is one indexed prefix query.
    """

    class Kind(models.TextChoices):
        SECRETARIAT = "sekretariat", _("Secretariat")
        BUREAU = "biro", _("Bureau")
        OFFICE = "dinas", _("Office (dinas)")
        BOARD = "badan", _("Agency (badan)")
        INSPECTORATE = "inspektorat", _("Inspectorate")
        HOSPITAL = "rumah_sakit", _("Hospital")
        TECHNICAL_UNIT = "uptd", _("Technical unit (UPTD)")
        REGIONAL_GOVERNMENT = "pemda_kabkota", _("Regency/city government")
        OTHER = "lainnya", _("Other")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=500, db_index=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.parent_id is not None:
            ancestor = self.parent
            while ancestor is not None:
                if ancestor.pk == self.pk and self.pk is not None:
                    raise ValueError("an agency cannot be its own ancestor")
                ancestor = ancestor.parent
        old_path = self.path
        self.path = self._compute_path()
        if kwargs.get("update_fields") is not None:
            # The path follows the parent, so a partial save (``update_or_create`` saves only the
            # changed fields) must still write it.
            kwargs["update_fields"] = {*kwargs["update_fields"], "path"}
        with transaction.atomic():
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                # Re-root every descendant's path in one statement.
                Agency.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(models.Value(self.path), Substr("path", len(old_path) + 1))
                )

    def _compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id and self.parent else "/"
        return f"{prefix}{self.code}/"

    def subtree(self) -> models.QuerySet[Agency]:
        """This agency and all its sub-units."""
        return Agency.objects.filter(path__startswith=self.path)


class Region(models.Model):
    """An administrative region (provinsi → kabupaten/kota → kecamatan → kelurahan/desa).

    ``kind`` is the level's name as the Kemendagri data gives it (``provinsi``, ``kabupaten``,
    ``kota``, ``kecamatan``, ``kelurahan``, ``desa``); kabupaten and kota names carry their kind
    ("Kabupaten Solok", "Kota Padang"), kecamatan and village names do not.
    """

    REGENCY_LEVEL = 2  # kabupaten/kota: where a place name stops (the province is implied)
    REGENCY_PREFIX = "Kabupaten "

    code = models.CharField(_("Kemendagri code"), max_length=20, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.PositiveSmallIntegerField(_("level"))
    kind = models.CharField(_("kind"), max_length=20)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def parents_path(field: str) -> str:
        """The ``select_related`` path that loads the region in ``field`` with the parents its
        place name shows: ``parents_path("complaint__region")``. A list that shows
        :attr:`place_name` without it makes two queries per row."""
        return f"{field}__parent__parent"

    @property
    def place_name(self) -> str:
        """The region with its kecamatan and kabupaten/kota, short, for lists: "Koto Baru,
        Kec. Kubung, Kab. Solok" (many villages share a name: Koto Baru is in ten)."""
        return ", ".join(region._part_name(short=True) for region in self._up_to_regency())

    @property
    def full_place_name(self) -> str:
        """:attr:`place_name` spelled out, for a page about one complaint: "Koto Baru,
        Kecamatan Kubung, Kabupaten Solok"."""
        return ", ".join(region._part_name(short=False) for region in self._up_to_regency())

    def _up_to_regency(self) -> list[Region]:
        """This region, then its parents up to the kabupaten/kota (cached ones if selected)."""
        chain = [self]
        region = self
        while region.level > self.REGENCY_LEVEL:
            parent = region.parent
            if parent is None:
                break
            chain.append(parent)
            region = parent
        return chain

    def _part_name(self, *, short: bool) -> str:
        if self.kind == "kecamatan":
            if short:
                # Translators: a kecamatan in a place name in lists (Indonesian: "Kec. Kubung").
                return pgettext("place name, short", "%(name)s District") % {"name": self.name}
            # Translators: a kecamatan in a place name (Indonesian: "Kecamatan Kubung").
            return pgettext("place name", "%(name)s District") % {"name": self.name}
        if short and self.kind == "kabupaten" and self.name.startswith(self.REGENCY_PREFIX):
            # Translators: a kabupaten in a place name in lists (Indonesian: "Kab. Solok").
            return pgettext("place name, short", "%(name)s Regency") % {
                "name": self.name.removeprefix(self.REGENCY_PREFIX)
            }
        return self.name


class Category(models.Model):
    """A complaint category (a tree) with its default agency and optional deadline overrides."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    default_agency = models.ForeignKey(
        Agency,
        verbose_name=_("default agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="default_for_categories",
    )
    keywords = models.CharField(_("keywords"), max_length=500, blank=True)
    verify_working_days = models.PositiveSmallIntegerField(
        _("working days to verify"), null=True, blank=True
    )
    first_followup_working_days = models.PositiveSmallIntegerField(
        _("working days to first follow-up"), null=True, blank=True
    )
    resolution_days = models.PositiveSmallIntegerField(_("days to resolve"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CategoryField(models.Model):
    """An extra question a category asks when a complaint is submitted (an Open311 attribute).

    ``values`` holds the choices of the list types as ``[{"key": ..., "name": ...}]``. A field
    that is not ``variable`` is an informational note shown to the reporter, not a question.
    """

    class Datatype(models.TextChoices):
        STRING = "string", _("Short text")
        NUMBER = "number", _("Number")
        DATETIME = "datetime", _("Date and time")
        TEXT = "text", _("Long text")
        SINGLE_VALUE_LIST = "singlevaluelist", _("One choice from a list")
        MULTI_VALUE_LIST = "multivaluelist", _("Several choices from a list")

    LIST_TYPES = (Datatype.SINGLE_VALUE_LIST, Datatype.MULTI_VALUE_LIST)

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="extra_fields",
    )
    code = models.SlugField(_("code"), max_length=60)
    datatype = models.CharField(
        _("type of answer"), max_length=16, choices=Datatype.choices, default=Datatype.STRING
    )
    variable = models.BooleanField(
        _("asks for an answer"),
        default=True,
        help_text=_("Off: the description is only shown as information."),
    )
    required = models.BooleanField(_("required"), default=False)
    description = models.TextField(_("question"))
    datatype_description = models.CharField(
        _("hint about the expected answer"), max_length=200, blank=True
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    values = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For lists only: [{"key": "...", "name": "..."}, ...]'),
    )

    class Meta:
        verbose_name = _("extra question of a category")
        verbose_name_plural = _("extra questions of a category")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="category_field_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.category.code}:{self.code}"

    def choice_keys(self) -> list[str]:
        """The allowed keys of a list field, as strings."""
        return [str(item.get("key")) for item in self.values if isinstance(item, dict)]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        values = self.values
        if self.datatype in self.LIST_TYPES:
            if (
                not isinstance(values, list)
                or not values
                or not all(
                    isinstance(item, dict)
                    and str(item.get("key", "")).strip()
                    and str(item.get("name", "")).strip()
                    for item in values
                )
            ):
                raise ValidationError(
                    {"values": _('A list needs choices like [{"key": "a", "name": "A"}].')}
                )
            if len(set(self.choice_keys())) != len(values):
                raise ValidationError({"values": _("Each choice needs its own key.")})
        elif values:
            raise ValidationError({"values": _("Only list questions have choices.")})
