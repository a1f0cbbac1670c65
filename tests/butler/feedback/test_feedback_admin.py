"""The admin shows a company's feedback and its audit, and changes none of it — not even for a superuser."""

import pytest
from django.urls import reverse

from butler.feedback.ratings import rating_submit, suggestion_submit
from butler.models import AuditCase, Rating, Suggestion
from tests.conftest import make_user


@pytest.fixture
def feedback(world):
    rating = rating_submit(actor=world.contact_a, kind="butler", overall=1, comment="管家电话总是打不通")
    suggestion = suggestion_submit(actor=world.contact_a, category="materials", text="复印件太多")
    return rating, suggestion


@pytest.fixture
def superuser_client(client, world):
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    return client


def _url(obj, view: str) -> str:
    return reverse(f"admin:butler_{obj._meta.model_name}_{view}", args=[obj.pk])


def test_the_changelists_show_the_feedback(superuser_client, feedback):
    rating, suggestion = feedback
    for model, obj in ((Rating, rating), (Suggestion, suggestion), (AuditCase, rating.case)):
        response = superuser_client.get(reverse(f"admin:butler_{model._meta.model_name}_changelist"))
        assert response.status_code == 200
        assert _url(obj, "change") in response.content.decode()
        assert "delete_selected" not in response.content.decode()  # no bulk delete


@pytest.mark.parametrize("which", ["rating", "suggestion"])
def test_a_superuser_reads_feedback_but_cannot_change_or_delete_it(superuser_client, feedback, which):
    rating, suggestion = feedback
    obj = rating if which == "rating" else suggestion
    page = superuser_client.get(_url(obj, "change"))
    assert page.status_code == 200
    assert not page.context["has_change_permission"] and not page.context["has_delete_permission"]
    assert "复印件太多" in page.content.decode() or "管家电话总是打不通" in page.content.decode()
    changed = {"overall": "5", "comment": "改过了", "text": "改过了", "category": "other"}
    assert superuser_client.post(_url(obj, "change"), changed).status_code == 403
    assert superuser_client.get(_url(obj, "delete")).status_code == 403
    assert superuser_client.post(_url(obj, "delete"), {"post": "yes"}).status_code == 403
    assert superuser_client.get(reverse(f"admin:butler_{obj._meta.model_name}_add")).status_code == 403
    rating_now = Rating.objects.get(pk=rating.pk)
    assert (rating_now.overall, rating_now.comment) == (1, "管家电话总是打不通")
    assert Suggestion.objects.get(pk=suggestion.pk).text == "复印件太多"


def test_the_history_is_shown_and_no_past_version_can_be_restored(superuser_client, feedback, world):
    rating, _suggestion = feedback
    case = rating.case
    from butler.feedback.cases import case_verify

    case_verify(actor=world.manager, case=case, note="已回电")
    assert superuser_client.get(_url(rating, "history")).status_code == 200
    assert superuser_client.get(_url(case, "history")).status_code == 200
    first = case.history.earliest("history_date")
    version = reverse("admin:butler_auditcase_simple_history", args=[case.pk, first.history_id])
    assert superuser_client.get(version).status_code == 200
    assert superuser_client.post(version, {"step": "verify"}).status_code == 403
    assert AuditCase.objects.get(pk=case.pk).step == AuditCase.Step.CLASSIFY


def test_an_audit_case_and_an_improvement_change_only_through_their_pages(superuser_client, feedback, world):
    from butler.feedback.improvements import improvement_create

    rating, _suggestion = feedback
    case = rating.case
    action = improvement_create(
        actor=world.manager, title="统一告知口径", owner=world.manager, due_on=case.opened_at.date()
    )
    for obj in (case, action):
        assert superuser_client.get(_url(obj, "change")).status_code == 200
        assert (
            superuser_client.post(_url(obj, "change"), {"step": "closed", "status": "done"}).status_code
            == 403
        )
        assert superuser_client.get(_url(obj, "delete")).status_code == 403
    assert AuditCase.objects.get(pk=case.pk).step == AuditCase.Step.VERIFY
