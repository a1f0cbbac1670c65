"""Sign-in protection: the lockout, request ids in the logs, the access trail, how long sessions last, ending
a deactivated user's sessions, and the password asked again before a contact's sign-in details change."""

import json
import logging
import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from pythonjsonlogger.json import JsonFormatter

from butler.models import UserSession
from butler.security.audit import client_ip
from butler.security.request_context import RequestContextFilter
from tests.conftest import NOW, PASSWORD, make_user

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
HERE, ELSEWHERE = "10.1.1.1", "10.2.2.2"


def sign_in(client, username, password, address=HERE, **extra):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **ENGLISH,
        **extra,
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail_five_times(client, username, address=HERE):
    return [sign_in(client, username, "wrong-password", address).status_code for _ in range(5)]


@pytest.fixture
def clock(world):
    """Time stands still unless the test moves it (the world's clock ticks)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# --- lockout ---------------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_username_from_that_address(client, world, clock):
    assert fail_five_times(client, "butler_a") == [200, 200, 200, 200, 429]

    refused = sign_in(client, "butler_a", PASSWORD)
    assert refused.status_code == 429
    assert not signed_in(client)


def test_lockout_leaves_other_addresses_and_other_usernames_alone(client, world, clock):
    fail_five_times(client, "butler_a")

    assert sign_in(client, "butler_a", PASSWORD, address=ELSEWHERE).status_code == 302
    assert signed_in(client)
    client.logout()
    assert sign_in(client, "butler_b", PASSWORD, address=HERE).status_code == 302
    assert signed_in(client)


def test_four_failures_then_the_right_password_signs_in_and_clears_the_count(client, world, clock):
    for _ in range(4):
        assert sign_in(client, "butler_b", "wrong-password").status_code == 200
    assert sign_in(client, "butler_b", PASSWORD).status_code == 302
    client.logout()
    # The success cleared the four failures: four more do not lock.
    for _ in range(4):
        assert sign_in(client, "butler_b", "wrong-password").status_code == 200
    assert sign_in(client, "butler_b", PASSWORD).status_code == 302


def test_a_contact_typing_their_mobile_is_locked_however_the_number_is_written(client, world, clock):
    mobile = world.contact_a.contact.mobile
    spellings = [mobile, f"+86 {mobile}", f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"+86{mobile}", mobile]
    statuses = [sign_in(client, typed, "wrong-password").status_code for typed in spellings]
    assert statuses == [200, 200, 200, 200, 429]

    assert sign_in(client, mobile, PASSWORD).status_code == 429
    assert not signed_in(client)
    # The same contact from another network, and another account from this one, still sign in.
    assert sign_in(client, mobile, PASSWORD, address=ELSEWHERE).status_code == 302
    client.logout()
    assert sign_in(client, world.contact_b.contact.mobile, PASSWORD).status_code == 302


def test_the_lockout_page_says_when_to_try_again_and_the_lock_ends_then(client, world, clock):
    fail_five_times(client, "butler_a")
    clock.shift(timedelta(minutes=10))

    page = sign_in(client, "butler_a", PASSWORD)
    assert page.status_code == 429
    text = page.content.decode()
    assert "Too many sign-in attempts" in text
    assert "paused for 30 minutes" in text
    # Locked at 09:30 (Beijing time) for 30 minutes; trying again at 09:40 does not move it.
    assert "You can try again after 10:00" in text
    assert 'name="password"' not in text

    clock.shift(timedelta(minutes=19))
    assert sign_in(client, "butler_a", PASSWORD).status_code == 429
    clock.shift(timedelta(minutes=2))
    assert sign_in(client, "butler_a", PASSWORD).status_code == 302


def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw(rf):
    # nginx appends the address it saw to whatever X-Forwarded-For the client sent.
    forged = rf.post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    other = rf.post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="7.7.7.7, 203.0.113.9")
    with override_settings(
        AXES_IPWARE_META_PRECEDENCE_ORDER=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"], AXES_IPWARE_PROXY_COUNT=0
    ):
        assert client_ip(forged) == client_ip(other) == "203.0.113.9"
    # Not behind a proxy: the header is the client's own word and is ignored.
    direct = RequestFactory().post("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(direct) == "198.51.100.7"


# --- request ids and logs ----------------------------------------------------------------------------------


def test_every_response_carries_a_request_id_and_a_sane_one_from_the_proxy_is_kept(client, world):
    made = client.get(reverse("login"))
    assert re.fullmatch(r"[0-9a-f]{32}", made["X-Request-ID"])
    assert client.get(reverse("login"))["X-Request-ID"] != made["X-Request-ID"]

    kept = client.get(reverse("login"), HTTP_X_REQUEST_ID="5f2b9c1e8a7d4e3fb6a0c9d8e7f6a5b4")
    assert kept["X-Request-ID"] == "5f2b9c1e8a7d4e3fb6a0c9d8e7f6a5b4"
    forged = client.get(reverse("login"), HTTP_X_REQUEST_ID='x" level=ERROR\nfake line')
    assert re.fullmatch(r"[0-9a-f]{32}", forged["X-Request-ID"])


def security_events(caplog):
    return [record for record in caplog.records if record.name == "butler.security"]


def test_a_failed_sign_in_is_logged_with_what_was_typed_the_address_and_the_request_id(client, world, caplog):
    caplog.set_level(logging.INFO)
    response = sign_in(client, "butler_a", "wrong-password", HTTP_X_REQUEST_ID="req-failed-0001")

    assert response["X-Request-ID"] == "req-failed-0001"
    [failed] = [r for r in security_events(caplog) if r.event == "signin_failed"]
    assert (failed.username, failed.client_ip, failed.request_id) == ("butler_a", HERE, "req-failed-0001")
    assert "wrong-password" not in caplog.text
    # Every record made while the request was handled carries its id (axes' own lines too).
    during = [r for r in caplog.records if r.name.startswith(("axes", "butler"))]
    assert during and {r.request_id for r in during} == {"req-failed-0001"}


def test_sign_in_lockout_sign_out_and_refusals_are_all_logged(client, world, clock, caplog):
    caplog.set_level(logging.INFO)
    fail_five_times(client, "butler_b")
    sign_in(client, "butler_a", PASSWORD, HTTP_X_REQUEST_ID="req-signin-0001")
    client.get(
        reverse("company:detail", args=[world.company_b.pk]),
        HTTP_X_REQUEST_ID="req-scope-00001",
        REMOTE_ADDR=HERE,
    )
    client.get(reverse("oversight:periods"), HTTP_X_REQUEST_ID="req-role-000001", REMOTE_ADDR=HERE)
    client.post(reverse("logout"), HTTP_X_REQUEST_ID="req-signout-001", REMOTE_ADDR=HERE)

    events = [(r.event, r.username, r.request_id) for r in security_events(caplog)]
    assert [username for event, username, _id in events if event == "locked_out"] == ["butler_b"]
    assert ("signed_in", "butler_a", "req-signin-0001") in events
    assert ("access_refused", "butler_a", "req-scope-00001") in events
    assert ("access_refused", "butler_a", "req-role-000001") in events
    assert ("signed_out", "butler_a", "req-signout-001") in events
    refusals = {r.request_id: r for r in security_events(caplog) if r.event == "access_refused"}
    assert refusals["req-scope-00001"].status == 404 and refusals["req-role-000001"].status == 403
    assert refusals["req-role-000001"].user == "butler_a"
    assert {r.client_ip for r in security_events(caplog)} == {HERE}


def test_a_page_that_does_not_exist_is_not_a_refusal(client, world, caplog):
    client.force_login(world.butler_a.user)
    caplog.set_level(logging.INFO)
    assert client.get("/no-such-page/").status_code == 404
    assert not [r for r in security_events(caplog) if r.event == "access_refused"]


def test_json_log_lines_have_the_agreed_fields(client, world, caplog):
    caplog.set_level(logging.INFO)
    sign_in(client, "nobody-here", "wrong-password", HTTP_X_REQUEST_ID="req-json-000001")
    [record] = [r for r in security_events(caplog) if r.event == "signin_failed"]

    options = {key: value for key, value in settings.LOGGING["formatters"]["json"].items() if key != "()"}
    line = json.loads(JsonFormatter(**options).format(record))
    assert {"timestamp", "level", "logger", "message", "request_id", "user"} <= set(line)
    assert line["level"] == "WARNING" and line["logger"] == "butler.security"
    assert line["request_id"] == "req-json-000001"
    assert (
        line["event"] == "signin_failed" and line["username"] == "nobody-here" and line["client_ip"] == HERE
    )


def test_the_console_handler_adds_the_context_to_records_made_elsewhere():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "outside a request", None, None)
    assert not hasattr(record, "request_id")  # made directly, not through the record factory
    assert RequestContextFilter().filter(record)
    assert record.request_id is None and record.user is None

    # Django logs an error response after the middleware is done, naming the request: its id is used.
    request = RequestFactory().get("/")
    request.request_id = "req-after-00001"
    late = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Server Error", None, None)
    late.request_id, late.user, late.request = None, None, request
    assert RequestContextFilter().filter(late) and late.request_id == "req-after-00001"


def test_a_celery_task_logs_with_its_task_id(caplog):
    from celery.signals import task_postrun, task_prerun

    caplog.set_level(logging.INFO)
    task_prerun.send(sender=None, task_id="celery-task-0001", task=None, args=(), kwargs={})
    logging.getLogger("butler.tasks").info("working")
    task_postrun.send(sender=None, task_id="celery-task-0001", task=None, args=(), kwargs={}, retval=None)
    logging.getLogger("butler.tasks").info("idle")
    working, idle = [r for r in caplog.records if r.name == "butler.tasks"]
    assert working.request_id == "celery-task-0001" and idle.request_id is None


# --- sessions ------------------------------------------------------------------------------------------


def test_signing_in_gives_the_session_a_new_key(client, world):
    before = client.session
    before["language_chosen"] = "en"
    before.save()
    old_key = before.session_key

    assert sign_in(client, "butler_a", PASSWORD).status_code == 302
    assert client.session.session_key != old_key
    assert not UserSession.objects.filter(session_key=old_key).exists()
    assert UserSession.objects.get(session_key=client.session.session_key).user_id == world.butler_a.user.pk


def test_staff_are_signed_out_after_30_idle_minutes_and_brought_back_after_signing_in(client, world, clock):
    client.force_login(world.butler_a.user)
    page = reverse("portfolio:list") + "?sort=name"
    for _ in range(3):  # working steadily: each request keeps the session alive
        clock.shift(timedelta(minutes=29))
        assert client.get(page).status_code == 200

    clock.shift(timedelta(minutes=31))
    expired = client.get(page, **ENGLISH)
    assert expired.status_code == 302
    assert expired["Location"] == f"{reverse('login')}?next=/portfolio/%3Fsort%3Dname"
    login_page = client.get(expired["Location"], **ENGLISH).content.decode()
    assert "You were signed out after 30 minutes without activity. Please sign in again." in login_page
    assert not signed_in(client)

    back = client.post(
        expired["Location"], {"username": "butler_a", "password": PASSWORD, "next": "/portfolio/?sort=name"}
    )
    assert back["Location"] == "/portfolio/?sort=name"


def test_staff_sessions_end_after_12_hours_however_busy(client, world, clock):
    client.force_login(world.manager)
    for _ in range(11 * 4 + 3):  # every quarter of an hour for 11¾ hours
        clock.shift(timedelta(minutes=15))
        assert client.get(reverse("oversight:periods")).status_code == 200
    clock.shift(timedelta(minutes=16))
    expired = client.get(reverse("oversight:periods"), **ENGLISH, follow=True)
    assert expired.redirect_chain[0][0].startswith(reverse("login"))
    assert "a session lasts at most 12 hours" in expired.content.decode()


def test_a_company_contact_on_a_phone_stays_signed_in_for_days(client, world, clock):
    client.force_login(world.contact_a)
    for _ in range(4):  # a visit a week for four weeks
        clock.shift(timedelta(days=6, hours=23))
        assert client.get(reverse("portal:home")).status_code == 200
    clock.shift(timedelta(days=3))  # past 30 days in all
    assert client.get(reverse("portal:home")).status_code == 302


def test_a_company_contact_idle_for_more_than_a_week_signs_in_again(client, world, clock):
    client.force_login(world.contact_a)
    clock.shift(timedelta(days=7, minutes=1))
    expired = client.get(reverse("portal:home"), **ENGLISH, follow=True)
    assert "You were signed out after 7 days without activity." in expired.content.decode()


def test_an_expired_htmx_request_sends_the_whole_page_to_sign_in(client, world, clock):
    client.force_login(world.butler_a.user)
    clock.shift(timedelta(minutes=31))
    response = client.get(reverse("portfolio:list"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("login") + "?next=")


def test_a_form_sent_after_the_session_ended_leads_to_sign_in_then_home(client, world, clock):
    client.force_login(world.butler_a.user)
    clock.shift(timedelta(minutes=31))
    response = client.post(reverse("notices:read_all"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_a_session_that_expired_is_logged_as_such(client, world, clock, caplog):
    client.force_login(world.butler_a.user)
    clock.shift(timedelta(minutes=31))
    caplog.set_level(logging.INFO)
    client.get(reverse("portfolio:list"))
    assert [r.username for r in security_events(caplog) if r.event == "session_idle"] == ["butler_a"]


# --- deactivation ends sessions ----------------------------------------------------------------------


@pytest.fixture
def admin_client_signed_in(client, world):
    make_user("it-admin", is_staff=True, is_superuser=True)
    client.force_login(User.objects.get(username="it-admin"))
    return client


def test_deactivating_a_butler_in_the_admin_ends_their_open_sessions(admin_client_signed_in, world):
    butler = world.butler_a
    at_window, at_home = Client(), Client()
    at_window.force_login(butler.user)
    at_home.force_login(butler.user)
    assert at_home.get(reverse("portfolio:list")).status_code == 200

    response = admin_client_signed_in.post(
        reverse("admin:butler_butler_change", args=[butler.pk]),
        {
            "user": butler.user.pk,
            "display_name": butler.display_name,
            "window": butler.window,
            "office_phone": butler.office_phone,
            "mobile": butler.mobile,
            # "active" left out: unticked
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    for browser in (at_window, at_home):
        refused = browser.get(reverse("portfolio:list"))
        assert refused.status_code == 302 and refused["Location"].startswith(reverse("login"))
    assert not UserSession.objects.filter(user_id=butler.user.pk).exists()
    # Others stay signed in.
    assert UserSession.objects.filter(user_id=User.objects.get(username="it-admin").pk).exists()


def test_switching_a_user_off_in_the_admin_ends_their_open_sessions(admin_client_signed_in, world):
    user = world.contact_a
    phone = Client()
    phone.force_login(user)
    change_url = reverse("admin:auth_user_change", args=[user.pk])
    form = admin_client_signed_in.get(change_url).context["adminform"].form
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_staff": "",
        "date_joined_0": form["date_joined"].value().strftime("%Y-%m-%d"),
        "date_joined_1": form["date_joined"].value().strftime("%H:%M:%S"),
        "groups": [group.pk for group in user.groups.all()],
    }
    data = {key: value for key, value in data.items() if value != ""}
    # The person's language, an inline of the user: none chosen.
    data.update({"language_preference-TOTAL_FORMS": "0", "language_preference-INITIAL_FORMS": "0"})
    response = admin_client_signed_in.post(change_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]

    user.refresh_from_db()
    assert not user.is_active
    assert not UserSession.objects.filter(user_id=user.pk).exists()
    assert phone.get(reverse("portal:home")).status_code == 302


def test_saving_an_active_butler_keeps_their_sessions(admin_client_signed_in, world):
    butler = world.butler_a
    at_window = Client()
    at_window.force_login(butler.user)
    admin_client_signed_in.post(
        reverse("admin:butler_butler_change", args=[butler.pk]),
        {
            "user": butler.user.pk,
            "display_name": "王丽娜（窗口3）",
            "window": butler.window,
            "office_phone": butler.office_phone,
            "mobile": butler.mobile,
            "active": "on",
        },
    )
    assert at_window.get(reverse("portfolio:list")).status_code == 200


# --- the password asked again before a contact's sign-in details change ------------------------------


def contact_post(contact, **changes):
    data = {
        "name": contact.name,
        "position": contact.position,
        "mobile": contact.mobile,
        "email": contact.email,
        "is_primary": "on" if contact.is_primary else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_changing_a_contacts_mobile_needs_the_editors_password(client, world):
    contact = world.contact_a.contact
    client.force_login(world.butler_a.user)
    url = reverse("company:contact_edit", args=[contact.pk])

    typed = contact_post(contact, name="王新", mobile="13912345678", email="new@company-a.example")
    missing = client.post(url, typed, **ENGLISH)
    wrong = client.post(url, {**typed, "password": "not-my-password"}, **ENGLISH)

    assert missing.status_code == wrong.status_code == 200
    assert missing.context["form"].errors["password"] == [
        "Type your password to change the mobile number or the e-mail address."
    ]
    assert wrong.context["form"].errors["password"] == [
        "This is not your password. Type the password you sign in with."
    ]
    page = wrong.content.decode()
    for value in ("王新", "13912345678", "new@company-a.example"):
        assert value in page
    assert "not-my-password" not in page
    contact.refresh_from_db()
    assert (contact.name, contact.email) == ("王1", "a@company-a.example")

    saved = client.post(url, {**typed, "password": PASSWORD})
    assert saved.status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.mobile, contact.email) == ("王新", "13912345678", "new@company-a.example")


def test_other_changes_to_a_contact_need_no_password(client, world):
    contact = world.contact_a.contact
    client.force_login(world.manager)
    url = reverse("company:contact_edit", args=[contact.pk])
    # The same mobile written another way is no change.
    response = client.post(url, contact_post(contact, position="财务", mobile=f"+86 {contact.mobile}"))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.position == "财务"
