"""The action plan (Rencana Aksi, "Renaksi", DESIGN §1.6): aspects, program groups, programs and
activities with their years, and the self-assessment matrix that sets the aspects' priority.

The plan of Pemerintah Provinsi Sumatera Barat is packaged as data
(``fixtures/renaksi-sumbar-2021-2024.json``) and loaded by ``aduan renaksi load``
(``aduan.renaksi.loaders``). Rows that came from the package carry ``seed_digest``, a hash of the
values the loader last wrote: a row whose values still match it is the package's and follows it
on the next load; a row changed since (in the back office) is an
administrator's and the loader leaves it alone. The progress of an activity in a year (status,
note, evidence) is never written by the loader.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The plan does not state the scale of its self-assessment scores (its five are between 2.2 and
# 3.0); anything from 0 to 5 is accepted, so a typing slip such as 22 is refused.
SCORE_MIN = 0
SCORE_MAX = 5
FIRST_YEAR = 2000
LAST_YEAR = 2100

YEAR_VALIDATORS = [MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]


class SeededModel(models.Model):
    """Fields shared by the rows the loader may have written."""

    seed_digest = models.CharField(
        _("digest of the packaged values"), max_length=64, blank=True, editable=False
    )

    class Meta:
        abstract = True


class EditedModel(SeededModel):
    """A packaged row that administrators may also change in the back office."""

    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        abstract = True


class ActionPlan(SeededModel):
    """The plan itself: its title and where its text comes from (one row per packaged plan)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=300)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")

    def __str__(self) -> str:
        return self.title


class PlanYear(models.Model):
    """A year of the plan (2021-2024 in the plan; administrators add more)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True, validators=YEAR_VALIDATORS)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("plan year")
        verbose_name_plural = _("plan years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class Aspect(SeededModel):
    """One of the five aspects of the plan (policy & institutions, human resources, data &
    application, stakeholder participation, coordination & M&E), in the plan's order."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("aspect")
        verbose_name_plural = _("aspects")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.name


class ProgramGroup(SeededModel):
    """A group of programs (kelompok program, numbered I-V in the plan) under an aspect."""

    aspect = models.ForeignKey(
        Aspect, verbose_name=_("aspect"), on_delete=models.PROTECT, related_name="groups"
    )
    number = models.CharField(_("number"), max_length=10, unique=True)
    title = models.CharField(_("title"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("program group")
        verbose_name_plural = _("program groups")
        ordering = ["position", "number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Program(EditedModel):
    """A program of a group (``II.1``); the plan names few of them, so the title may be empty."""

    group = models.ForeignKey(
        ProgramGroup,
        verbose_name=_("program group"),
        on_delete=models.PROTECT,
        related_name="programs",
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()


class Activity(EditedModel):
    """An activity (kegiatan) of a program, e.g. ``I.1.1`` "Pelatihan bagi pimpinan OPD …", with
    the parties involved (``ActivityParty``) and its years (``ActivityYear``)."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="activities"
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ActivityParty(models.Model):
    """A party involved in an activity, as the plan names it ("Biro Organisasi", "Kemenpan RB",
    "Seluruh OPD"), linked to the agency when it is one of ours."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="parties"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=200)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("involved party")
        verbose_name_plural = _("involved parties")
        ordering = ["activity", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "name"], name="renaksi_party_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ActivityStatus(models.TextChoices):
    """Where an activity stands in one year."""

    PLANNED = "planned", _("Planned")
    # Its own context: "In progress" of a complaint reads "Ditindaklanjuti", of an activity
    # "Sedang berjalan".
    IN_PROGRESS = "in_progress", pgettext_lazy("activity status", "In progress")
    DONE = "done", _("Done")
    NOT_DONE = "not_done", _("Not done")


class ActivityYear(models.Model):
    """An activity in one of its years: its status, an internal note and the evidence.

    Written only by the services (administrators); the loader creates missing planned years and
    never changes one that exists.
    """

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    status = models.CharField(
        _("status"), max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    # Internal: shown in the back office only, never on the public page.
    note = models.TextField(_("internal note"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("activity year")
        verbose_name_plural = _("activity years")
        ordering = ["activity", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "year"], name="renaksi_activity_year_unique"
            )
        ]
        indexes = [models.Index(fields=["year", "status"], name="renaksi_year_status_idx")]

    def __str__(self) -> str:
        return f"{self.activity.code} · {self.year}"


class Evidence(models.Model):
    """Proof that an activity was carried out in a year: an uploaded file or a link (never both).

    Files live under MEDIA_ROOT, which is never public; the back office serves them to the
    people who may see the plan's progress. The public page shows no evidence.
    """

    activity_year = models.ForeignKey(
        ActivityYear,
        verbose_name=_("activity year"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    file = models.FileField(_("file"), upload_to="renaksi/%Y/%m/", blank=True)
    original_name = models.CharField(_("original name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(url="") & ~Q(file="")) | (~Q(url="") & Q(file="")),
                name="renaksi_evidence_file_or_link",
                violation_error_message=_("Evidence is either a file or a link."),
            )
        ]

    def __str__(self) -> str:
        return self.title or self.original_name or self.url

    @property
    def is_file(self) -> bool:
        return bool(self.file)


class AssessmentIndicator(EditedModel):
    """A row of the self-assessment matrix, under an aspect. An aspect's score in a year is the
    mean of its indicators' scores that year."""

    aspect = models.ForeignKey(
        Aspect, verbose_name=_("aspect"), on_delete=models.PROTECT, related_name="indicators"
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive indicators keep their past scores.")
    )

    class Meta:
        verbose_name = _("assessment indicator")
        verbose_name_plural = _("assessment indicators")
        ordering = ["aspect__number", "position", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class AssessmentScore(EditedModel):
    """An indicator's self-assessment score in one year."""

    indicator = models.ForeignKey(
        AssessmentIndicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="scores",
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    score = models.DecimalField(
        _("score"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)],
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("assessment score")
        verbose_name_plural = _("assessment scores")
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="renaksi_score_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} · {self.year}: {self.score}"


class AspectPriority(EditedModel):
    """An aspect's place in the priority order of a year (1 comes first) and the reason for it.

    The ranks of a year are distinct; ``assessment_set`` checks that for the whole year at once
    (a database constraint would refuse two aspects swapping places row by row).
    """

    aspect = models.ForeignKey(
        Aspect, verbose_name=_("aspect"), on_delete=models.CASCADE, related_name="priorities"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    rank = models.PositiveSmallIntegerField(_("priority"), validators=[MinValueValidator(1)])
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("aspect priority")
        verbose_name_plural = _("aspect priorities")
        ordering = ["year", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["aspect", "year"], name="renaksi_priority_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} #{self.rank} {self.aspect}"
