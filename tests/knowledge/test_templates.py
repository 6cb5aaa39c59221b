"""Canned responses: services, who keeps which, who reads which (role by own or other agency)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from aduan.core.errors import InvalidInput, PermissionDenied, TransitionNotAllowed
from aduan.core.models import AuditEvent
from aduan.knowledge import policies, selectors, services
from aduan.knowledge.models import ResponseTemplate
from tests.world import World


def create(world: World, actor: str, agency: Any = None, **fields: Any) -> ResponseTemplate:
    values = {"title": "Jadwal perbaikan", "body": "Laporan {nomor_laporan} dijadwalkan."}
    values.update(fields)
    return services.response_template_create(
        actor=getattr(world, actor), agency=agency, category=world.category, **values
    )


def events(template: ResponseTemplate) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            target_type="knowledge.responsetemplate", target_id=str(template.pk)
        ).values_list("action", flat=True)
    )


# --- create, change, archive, restore ---------------------------------------------------------


def test_an_operator_keeps_the_agencys_canned_responses(world: World) -> None:
    template = create(world, "operator", world.public_works)
    assert template.agency == world.public_works and template.created_by == world.operator
    services.response_template_update(
        actor=world.liaison,
        template=template,
        title="Jadwal perbaikan jalan",
        body="Laporan {nomor_laporan} dijadwalkan sebelum {tenggat}.",
        category=None,
        agency=world.public_works,
    )
    template.refresh_from_db()
    assert template.category is None and template.updated_by == world.liaison
    services.response_template_archive(actor=world.operator, template=template)
    services.response_template_restore(actor=world.operator, template=template)
    assert events(template) == [
        "knowledge.template_created",
        "knowledge.template_changed",
        "knowledge.template_archived",
        "knowledge.template_restored",
    ]
    changed = AuditEvent.objects.get(action="knowledge.template_changed")
    assert changed.actor == world.liaison
    assert changed.data["changes"]["category"] == ["jalan", None]
    assert changed.data["changes"]["title"] == ["Jadwal perbaikan", "Jadwal perbaikan jalan"]
    assert set(changed.data["changes"]) == {"title", "body", "category"}


def test_a_parent_agency_keeps_its_sub_units_but_not_the_reverse(world: World) -> None:
    of_unit = create(world, "liaison", world.public_works_unit)
    services.response_template_archive(actor=world.unit_operator, template=of_unit)
    with pytest.raises(PermissionDenied):
        create(world, "unit_operator", world.public_works)


@pytest.mark.parametrize(
    "actor", ["operator", "liaison", "unit_operator", "health_operator", "leadership", "monitor"]
)
def test_only_coordinators_and_administrators_keep_the_shared_ones(
    world: World, actor: str
) -> None:
    with pytest.raises(PermissionDenied):
        create(world, actor, None)


@pytest.mark.parametrize("actor", ["coordinator", "admin"])
def test_coordinators_and_administrators_keep_the_shared_ones(world: World, actor: str) -> None:
    template = create(world, actor, None)
    services.response_template_archive(actor=getattr(world, actor), template=template)
    # ... but not an agency's own.
    with pytest.raises(PermissionDenied):
        create(world, actor, world.public_works)


@pytest.mark.parametrize(
    "actor",
    [
        "health_operator",
        "health_liaison",
        "other_liaison",
        "leadership",
        "monitor",
        "reporter",
        "coordinator",
        "admin",
        "inspectorate",
    ],
)
def test_another_agencys_canned_response_cannot_be_changed(world: World, actor: str) -> None:
    template = create(world, "operator", world.public_works)
    someone = getattr(world, actor)
    with pytest.raises(PermissionDenied):
        services.response_template_update(
            actor=someone,
            template=template,
            title="Diubah",
            body="Diubah",
            category=None,
            agency=world.public_works,
        )
    with pytest.raises(PermissionDenied):
        services.response_template_archive(actor=someone, template=template)
    template.refresh_from_db()
    assert template.title == "Jadwal perbaikan" and template.archived_at is None


def test_moving_a_canned_response_needs_both_agencies(world: World) -> None:
    template = create(world, "operator", world.public_works)
    with pytest.raises(PermissionDenied):
        services.response_template_update(
            actor=world.operator,
            template=template,
            title=template.title,
            body=template.body,
            category=None,
            agency=world.health,
        )
    with pytest.raises(PermissionDenied):  # nor into the shared ones
        services.response_template_update(
            actor=world.operator,
            template=template,
            title=template.title,
            body=template.body,
            category=None,
            agency=None,
        )
    services.response_template_update(
        actor=world.liaison,
        template=template,
        title=template.title,
        body=template.body,
        category=None,
        agency=world.public_works_unit,
    )
    assert ResponseTemplate.objects.get(pk=template.pk).agency == world.public_works_unit


def test_bad_placeholders_are_refused_with_the_known_ones(world: World) -> None:
    with translation.override("en"):
        with pytest.raises(InvalidInput) as refused:
            create(world, "operator", world.public_works, body="Yth. {nama_pelapor}, terima kasih.")
        assert str(refused.value).startswith("Unknown placeholder {nama_pelapor}.")
        assert "{nomor_laporan}" in str(refused.value)
    with pytest.raises(InvalidInput):
        create(world, "operator", world.public_works, body="{{ nomor_laporan }}")
    assert not ResponseTemplate.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="knowledge.").exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "Title is required."),
        ({"body": ""}, "Text is required."),
        ({"title": "x" * 201}, "Title is too long: at most 200 characters."),
        ({"body": "a\x00b"}, "The text contains a character that is not allowed (NUL)."),
    ],
)
def test_input_is_checked(world: World, fields: dict[str, str], message: str) -> None:
    with translation.override("en"):
        with pytest.raises(InvalidInput) as refused:
            create(world, "coordinator", None, **fields)
        assert str(refused.value) == message


def test_archived_ones_are_restored_before_a_change(world: World) -> None:
    template = create(world, "operator", world.public_works)
    services.response_template_archive(actor=world.operator, template=template)
    with pytest.raises(TransitionNotAllowed):
        services.response_template_archive(actor=world.operator, template=template)
    with pytest.raises(TransitionNotAllowed):
        services.response_template_update(
            actor=world.operator,
            template=template,
            title="x",
            body="y",
            category=None,
            agency=world.public_works,
        )
    services.response_template_restore(actor=world.operator, template=template)
    with pytest.raises(TransitionNotAllowed):
        services.response_template_restore(actor=world.operator, template=template)


# --- who reads which ---------------------------------------------------------------------------


@pytest.fixture
def library(world: World) -> dict[str, ResponseTemplate]:
    return {
        "shared": create(world, "coordinator", None, title="Bersama"),
        "public_works": create(world, "operator", world.public_works, title="DPU"),
        "unit": create(world, "unit_operator", world.public_works_unit, title="UPTD"),
        "health": create(world, "health_operator", world.health, title="Dinkes"),
        "education": create(world, "other_liaison", world.education, title="Disdik"),
    }


# role → the canned responses listed (own agency, its sub-units and parents, and the shared).
READS = {
    "operator": {"shared", "public_works", "unit"},
    "liaison": {"shared", "public_works", "unit"},
    "unit_operator": {"shared", "public_works", "unit"},
    "health_operator": {"shared", "health"},
    "other_liaison": {"shared", "education"},
    "inspectorate": {"shared"},
    "coordinator": {"shared", "public_works", "unit", "health", "education"},
    "leadership": {"shared", "public_works", "unit", "health", "education"},
    "admin": {"shared", "public_works", "unit", "health", "education"},
    "monitor": set(),
    "reporter": set(),
}


@pytest.mark.parametrize("role", sorted(READS))
def test_who_reads_which(world: World, library: dict[str, ResponseTemplate], role: str) -> None:
    user = getattr(world, role)
    listed = {t.pk for t in selectors.template_list(user)}
    assert listed == {library[key].pk for key in READS[role]}
    assert policies.may_read_templates(user) == bool(READS[role])
    for key, template in library.items():
        if key in READS[role]:
            assert selectors.template_get(user, template.pk) == template
        else:
            with pytest.raises(PermissionDenied):
                selectors.template_get(user, template.pk)


def test_archived_ones_are_listed_only_when_asked(
    world: World, library: dict[str, ResponseTemplate]
) -> None:
    services.response_template_archive(actor=world.operator, template=library["public_works"])
    assert library["public_works"] not in selectors.template_list(world.operator)
    assert list(selectors.template_list(world.operator, archived=True)) == [library["public_works"]]
    assert not selectors.template_list(world.health_operator, archived=True).exists()


def test_list_filters(world: World, library: dict[str, ResponseTemplate]) -> None:
    user = world.coordinator
    assert list(selectors.template_list(user, shared_only=True)) == [library["shared"]]
    assert list(selectors.template_list(user, agency_id=world.health.pk)) == [library["health"]]
    assert list(selectors.template_list(user, query="dinkes")) == [library["health"]]
    assert list(selectors.template_list(user, query="dijadwalkan dpu")) == [library["public_works"]]
