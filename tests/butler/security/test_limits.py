"""Abuse limits: portal messages, new portal invitations, invitation activations and password resets are
each limited per person and per client address; over a limit the page answers 429 with the reason and what
was typed, and nothing is stored or sent. The counts start again when their window ends."""

import math
import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from butler.firstvisit.services import first_visit_accept
from butler.models import Message, MessageThread, PortalInvitation
from butler.security import limits
from butler.service.invitations import invitation_issue
from tests.conftest import NOW, register

pytestmark = pytest.mark.django_db

HOME, AWAY = "198.51.100.10", "203.0.113.20"  # two client addresses
PAST_THE_WINDOW = timedelta(hours=1, minutes=1)  # every test rate is per hour


@pytest.fixture(autouse=True)
def still_clock(frozen_clock):
    """The clock stands still, so that no count window ends in the middle of a test."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def small_limits(settings):
    """Low limits, so that a test reaches them in a few requests."""
    settings.BUTLER_LIMITS = {
        "message": {"user": "3/h", "address": "5/h"},
        "invitation": {"user": "2/h", "address": "3/h"},
        "activation": {"invitation": "3/h", "address": "4/h"},
        "password_reset": {"email": "2/h", "address": "3/h"},
    }
    return settings.BUTLER_LIMITS


def client_at(address: str, user=None) -> Client:
    client = Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def later(delta: timedelta):
    return time_machine.travel(NOW + delta, tick=False)


# --- portal messages ------------------------------------------------------------------------------------


def new_message(client: Client, n: int):
    return client.post(
        reverse("messaging:portal_new"), {"subject": f"Question {n}", "body": f"Body text {n}"}
    )


def test_a_contact_sends_messages_up_to_the_limit_and_is_then_refused_with_the_text_kept(world, small_limits):
    client = client_at(HOME, world.contact_a)
    for n in range(3):
        assert new_message(client, n).status_code == 302
    assert MessageThread.objects.filter(company=world.company_a).count() == 3

    refused = new_message(client, 99)

    body = refused.content.decode()
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "You have sent many messages in a short time" in body
    assert "Question 99" in body and "Body text 99" in body  # what was typed is still in the form
    assert MessageThread.objects.filter(company=world.company_a).count() == 3
    assert not Message.objects.filter(body="Body text 99").exists()


def test_replies_count_with_new_messages(world, small_limits):
    client = client_at(HOME, world.contact_a)
    for n in range(2):
        assert new_message(client, n).status_code == 302
    thread = MessageThread.objects.filter(company=world.company_a).first()
    url = reverse("messaging:portal_thread", args=[thread.pk])
    assert client.post(url, {"body": "A reply within the limit"}).status_code == 302

    refused = client.post(url, {"body": "A reply over the limit"})

    assert refused.status_code == 429
    assert "A reply over the limit" in refused.content.decode()
    assert not Message.objects.filter(body="A reply over the limit").exists()


def test_the_message_limit_of_one_contact_leaves_another_free(world, small_limits):
    first = client_at(HOME, world.contact_a)
    for n in range(3):
        new_message(first, n)
    assert new_message(first, 4).status_code == 429

    assert new_message(client_at(HOME, world.contact_b), 5).status_code == 302  # same address, other user


def test_the_message_limit_of_one_address_leaves_another_free(world, small_limits):
    a_at_home, b_at_home = client_at(HOME, world.contact_a), client_at(HOME, world.contact_b)
    for n in range(3):
        assert new_message(a_at_home, n).status_code == 302
    for n in range(2):
        assert new_message(b_at_home, 10 + n).status_code == 302

    assert new_message(b_at_home, 20).status_code == 429  # the address has sent 5
    assert new_message(client_at(AWAY, world.contact_b), 21).status_code == 302


def test_messages_are_accepted_again_once_the_window_has_passed(world, small_limits):
    client = client_at(HOME, world.contact_a)
    for n in range(3):
        new_message(client, n)
    assert new_message(client, 3).status_code == 429

    with later(PAST_THE_WINDOW):
        assert new_message(client, 4).status_code == 302
    assert MessageThread.objects.filter(company=world.company_a, subject="Question 4").exists()


def test_an_invalid_message_is_not_counted(world, small_limits):
    client = client_at(HOME, world.contact_a)
    for _ in range(5):
        assert client.post(reverse("messaging:portal_new"), {"subject": "", "body": ""}).status_code == 200
    assert new_message(client, 1).status_code == 302


def test_the_window_side_is_not_limited(world, small_limits):
    client = client_at(HOME, world.butler_a.user)
    url = reverse("messaging:new", args=[world.company_a.pk])
    for n in range(6):
        response = client.post(url, {"subject": f"Notice {n}", "body": "Please bring the originals."})
        assert response.status_code == 302


# --- the client address ---------------------------------------------------------------------------------


def test_a_forwarded_for_header_is_ignored_unless_a_proxy_is_configured(rf):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.77")
    assert limits.client_address(request) == "10.0.0.2"  # a client cannot pick its own address


def test_behind_the_configured_proxy_the_client_address_is_the_forwarded_one(rf, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.77, 10.0.0.2")
    assert limits.client_address(request) == "198.51.100.77"


def test_behind_a_proxy_two_clients_are_counted_apart(world, small_limits, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    small_limits["message"] = {"user": "10/h", "address": "2/h"}
    proxy = "10.0.0.2"
    a = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{HOME}, {proxy}")
    b = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{AWAY}, {proxy}")
    a.force_login(world.contact_a)
    b.force_login(world.contact_a)
    assert [new_message(a, n).status_code for n in range(3)] == [302, 302, 429]
    assert new_message(b, 9).status_code == 302


# --- new portal invitations -----------------------------------------------------------------------------


@pytest.fixture
def uninvited(world):
    """A period of butler A's whose primary contact has no portal account yet."""
    company = register(world.butler_a.user, 3)
    return first_visit_accept(actor=world.butler_a.user, company_id=company.pk).period


def new_invitation(client: Client, period):
    return client.post(reverse("service:new_invitation", args=[period.pk]))


def test_a_butler_makes_invitations_up_to_the_limit_and_is_then_refused(world, uninvited, small_limits):
    client = client_at(HOME, world.butler_a.user)
    for _ in range(2):
        assert new_invitation(client, uninvited).status_code == 302
    issued = PortalInvitation.objects.filter(contact__company=uninvited.company)
    assert issued.count() == 3  # the first visit's and two new ones

    refused = new_invitation(client, uninvited)

    body = refused.content.decode()
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "No new invitation was made and the QR code is unchanged" in body
    assert uninvited.card_number in body  # the card is shown again, the reason on top
    assert issued.count() == 3
    assert issued.filter(revoked_at__isnull=True).count() == 1  # the last good one still works


def test_the_invitation_limit_of_one_butler_leaves_another_free(world, uninvited, small_limits):
    client = client_at(HOME, world.butler_a.user)
    for _ in range(2):
        new_invitation(client, uninvited)
    assert new_invitation(client, uninvited).status_code == 429

    company = register(world.butler_b.user, 4)
    other = first_visit_accept(actor=world.butler_b.user, company_id=company.pk).period
    assert new_invitation(client_at(AWAY, world.butler_b.user), other).status_code == 302


def test_the_invitation_limit_of_one_address_leaves_another_free(world, uninvited, small_limits):
    small_limits["invitation"] = {"user": "10/h", "address": "2/h"}
    client = client_at(HOME, world.butler_a.user)
    for _ in range(2):
        new_invitation(client, uninvited)
    assert new_invitation(client, uninvited).status_code == 429
    assert new_invitation(client_at(AWAY, world.butler_a.user), uninvited).status_code == 302


def test_invitations_can_be_made_again_once_the_window_has_passed(world, uninvited, small_limits):
    client = client_at(HOME, world.butler_a.user)
    for _ in range(2):
        new_invitation(client, uninvited)
    assert new_invitation(client, uninvited).status_code == 429
    with later(PAST_THE_WINDOW):
        assert new_invitation(client, uninvited).status_code == 302


# --- activating an invitation ---------------------------------------------------------------------------


@pytest.fixture
def invitation_url(world):
    contact = world.company_b.contacts.create(name="孙丽", mobile="13900000888")
    _invitation, token = invitation_issue(actor=world.butler_b.user, contact=contact)
    return reverse("portal:invitation", args=[token])


def activate(client: Client, url: str, mobile: str):
    return client.post(url, {"mobile": mobile, "password1": "Beilun-2026!", "password2": "Beilun-2026!"})


def test_wrong_mobiles_are_refused_after_the_limit_even_the_right_one(world, invitation_url, small_limits):
    client = client_at(HOME)
    for n in range(3):
        assert activate(client, invitation_url, f"1390000099{n}").status_code == 200

    refused = activate(client, invitation_url, "13900000888")

    body = refused.content.decode()
    assert refused.status_code == 429
    assert "Too many attempts to activate this invitation" in body
    assert "13900000888" in body  # the mobile typed is kept
    assert not world.company_b.contacts.get(mobile="13900000888").user_id


def test_the_activation_limit_of_one_invitation_leaves_another_free(world, invitation_url, small_limits):
    client = client_at(HOME)
    for n in range(3):
        activate(client, invitation_url, f"1390000099{n}")
    assert activate(client, invitation_url, "13900000888").status_code == 429

    contact = world.company_a.contacts.create(name="周明", mobile="13900000777")
    _invitation, token = invitation_issue(actor=world.butler_a.user, contact=contact)
    other = activate(client_at(HOME), reverse("portal:invitation", args=[token]), "13900000777")
    assert other.status_code == 302
    contact.refresh_from_db()
    assert contact.user_id


def test_the_activation_limit_of_one_address_leaves_another_free(world, invitation_url, small_limits):
    small_limits["activation"] = {"invitation": "10/h", "address": "2/h"}
    client = client_at(HOME)
    for n in range(2):
        activate(client, invitation_url, f"1390000099{n}")
    assert activate(client, invitation_url, "13900000888").status_code == 429
    assert activate(client_at(AWAY), invitation_url, "13900000888").status_code == 302


def test_an_invitation_can_be_activated_once_the_window_has_passed(world, invitation_url, small_limits):
    client = client_at(HOME)
    for n in range(3):
        activate(client, invitation_url, f"1390000099{n}")
    with later(PAST_THE_WINDOW):
        assert activate(client, invitation_url, "13900000888").status_code == 302
    assert world.company_b.contacts.get(mobile="13900000888").user_id


# --- password resets ------------------------------------------------------------------------------------


def reset(client: Client, email: str):
    return client.post(reverse("password_reset"), {"email": email})


def test_password_resets_up_to_the_limit_then_refused_without_mail(world, small_limits):
    client = client_at(HOME)
    email = world.butler_a.user.email
    for _ in range(2):
        assert reset(client, email).status_code == 302
    assert len(mail.outbox) == 2

    refused = reset(client, email.upper())  # the same address, however it is typed

    body = refused.content.decode()
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many password reset requests. No e-mail was sent" in body
    assert email.upper() in body  # the address typed is kept
    assert len(mail.outbox) == 2


def test_the_reset_limit_of_one_email_leaves_another_free(world, small_limits):
    client = client_at(HOME)
    for _ in range(2):
        reset(client, world.butler_a.user.email)
    assert reset(client, world.butler_a.user.email).status_code == 429

    assert reset(client, world.manager.email).status_code == 302
    assert mail.outbox[-1].to == [world.manager.email]


def test_the_reset_limit_of_one_address_leaves_another_free(world, small_limits):
    client = client_at(HOME)
    for email in ("nobody-1@example.com", "nobody-2@example.com", world.manager.email):
        assert reset(client, email).status_code == 302  # unknown addresses count too, and say nothing
    assert len(mail.outbox) == 1

    assert reset(client, world.butler_a.user.email).status_code == 429
    assert len(mail.outbox) == 1
    assert reset(client_at(AWAY), world.butler_a.user.email).status_code == 302
    assert mail.outbox[-1].to == [world.butler_a.user.email]


def test_password_resets_are_sent_again_once_the_window_has_passed(world, small_limits):
    client = client_at(HOME)
    for _ in range(2):
        reset(client, world.butler_a.user.email)
    assert reset(client, world.butler_a.user.email).status_code == 429
    with later(PAST_THE_WINDOW):
        assert reset(client, world.butler_a.user.email).status_code == 302
    assert len(mail.outbox) == 3


# --- the refusal ----------------------------------------------------------------------------------------


def test_the_refusal_says_how_long_to_wait(rf, small_limits):
    small_limits["password_reset"] = {"email": "1/h", "address": "10/h"}
    request = rf.post("/", REMOTE_ADDR=HOME)
    with translation.override("en"):
        assert limits.password_reset_attempt(request, email="x@example.com") is None
        refusal = limits.password_reset_attempt(request, email="x@example.com")
    assert 0 < refusal.retry_after <= 3600
    assert f"try again in {math.ceil(refusal.retry_after / 60)} minute" in refusal.message


# --- settings -------------------------------------------------------------------------------------------


def limits_from_environment(**variables) -> subprocess.CompletedProcess:
    show = (
        "import django; django.setup(); "
        "from django.conf import settings as s; print(s.BUTLER_LIMITS['message'])"
    )
    return subprocess.run(  # noqa: S603 - our own interpreter on a fixed script
        [sys.executable, "-c", show],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "butler.settings.test", **variables},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


def test_limits_are_read_from_the_environment():
    result = limits_from_environment(
        BUTLER_LIMIT_MESSAGES_PER_USER="7/m", BUTLER_LIMIT_MESSAGES_PER_ADDRESS="90/2h"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'user': '7/m', 'address': '90/2h'}"


@pytest.mark.parametrize("value", ["lots", "20", "0/h", "20/w"])
def test_a_limit_that_is_not_a_rate_refuses_to_start(value):
    result = limits_from_environment(BUTLER_LIMIT_MESSAGES_PER_USER=value)
    assert result.returncode != 0
    assert "BUTLER_LIMIT_MESSAGES_PER_USER is a count and a period such as 20/h" in result.stderr
