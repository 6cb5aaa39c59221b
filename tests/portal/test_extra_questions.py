"""A category's extra questions (``CategoryField``) are asked by the channels that can ask them
(Open311, the REST API). The portal's form cannot show the chosen category's questions without
JavaScript, so a required question there must not refuse the citizen's report."""

from __future__ import annotations

import pytest
from django.test import Client

from aduan.agencies.models import CategoryField
from aduan.complaints.models import Complaint
from tests.portal.test_submit import guest_post
from tests.world import World

pytestmark = pytest.mark.django_db


def test_a_required_extra_question_does_not_block_the_portal(world: World, client: Client) -> None:
    CategoryField.objects.create(
        category=world.category,
        code="pole",
        datatype=CategoryField.Datatype.STRING,
        required=True,
        description="Nomor tiang",
    )
    response = client.post("/lapor/", guest_post(world))
    assert response.status_code == 302, response.content.decode()[:2000]
    complaint = Complaint.objects.get()
    assert complaint.category == world.category
    assert complaint.attributes == {}
