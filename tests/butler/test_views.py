from datetime import timedelta

import pytest
from django.urls import reverse

from butler.firstvisit.services import first_visit_register
from butler.models import ServicePeriod
from butler.service.invitations import invitation_issue
from butler.service.services import service_period_transfer, service_periods_complete_due
from companies.models import BusinessType, Company
from tests.conftest import registration
from tests.factories import credit_code


def _registration(**overrides):
    data = {
        "credit_code": credit_code(300),
        "name": "宁波北仑港通物流有限公司",
        "registered_on": "2026-11-02",
        "district": "330206",
        "business_types": [BusinessType.objects.get(code="road_freight").pk],
        "address": "宁波市北仑区大碶街道黄山路9号",
        "legal_representative": "陈刚",
        "status": "operating",
        "contact_name": "陈小红",
        "contact_mobile": "138 0574 0300",
        "contact_email": "chen@example.com",
        "contact_position": "经理",
    }
    data.update(overrides)
    return data


def test_search_by_credit_code_offers_registration_when_unknown(client, world):
    client.force_login(world.butler_a.user)
    code = credit_code(301)
    response = client.get(reverse("firstvisit:search"), {"q": code.lower()})
    assert response.status_code == 200
    assert reverse("firstvisit:register") + f"?code={code}" in response.content.decode()


def test_search_with_a_bad_check_character_explains_it(client, world):
    client.force_login(world.butler_a.user)
    response = client.get(
        reverse("firstvisit:search"), {"q": "91330206MA2H7K3P2X"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "not only the last" in response.content.decode()


def test_search_finds_existing_company_and_its_butler(client, world):
    client.force_login(world.butler_b.user)
    response = client.get(reverse("firstvisit:search"), {"q": world.company_a.credit_code})
    body = response.content.decode()
    assert world.company_a.name in body and "王丽娜" in body


def test_register_through_the_page_opens_a_period_and_shows_the_card(client, world):
    client.force_login(world.butler_a.user)
    response = client.post(reverse("firstvisit:register"), _registration())
    period = ServicePeriod.objects.get(company__credit_code=credit_code(300))
    assert response.status_code == 302
    assert response["Location"] == reverse("service:card", args=[period.pk])
    assert period.butler == world.butler_a
    card = client.get(response["Location"])
    body = card.content.decode()
    assert period.card_number in body and "王丽娜" in body and "<svg" in body
    assert "/portal/invitation/" in body  # the QR code carries the single-use invitation


def test_invalid_registration_keeps_what_was_typed(client, world):
    client.force_login(world.butler_a.user)
    response = client.post(
        reverse("firstvisit:register"),
        _registration(credit_code="91330206MA2H7K3P2X", contact_mobile="12345"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "not only the last" in body
    assert "11 digits" in body
    assert "宁波北仑港通物流有限公司" in body and "宁波市北仑区大碶街道黄山路9号" in body and "陈小红" in body
    assert not Company.objects.filter(name="宁波北仑港通物流有限公司").exists()


def test_registering_a_known_code_leads_to_the_existing_company(client, world):
    client.force_login(world.butler_b.user)
    response = client.post(
        reverse("firstvisit:register"), _registration(credit_code=world.company_a.credit_code)
    )
    assert response["Location"] == reverse("firstvisit:accept", args=[world.company_a.pk])
    page = client.get(response["Location"])
    assert "王丽娜" in page.content.decode()
    assert ServicePeriod.objects.filter(company=world.company_a).count() == 1


def test_accepting_a_company_served_by_another_butler_names_that_butler(client, world):
    client.force_login(world.butler_b.user)
    response = client.post(reverse("firstvisit:accept", args=[world.company_a.pk]), follow=True)
    assert "王丽娜" in response.content.decode()
    assert ServicePeriod.objects.get(company=world.company_a).butler == world.butler_a


def test_portfolio_lists_own_companies_with_days_left(client, world):
    client.force_login(world.butler_a.user)
    body = client.get(reverse("portfolio:list")).content.decode()
    assert world.company_a.name in body
    assert world.company_b.name not in body
    assert str(world.period_a.days_left()) in body


def test_portfolio_search_and_sort(client, world):
    other = first_visit_register(
        actor=world.butler_a.user, registration=registration(302, name="宁波北仑甬安危险品运输有限公司")
    )
    client.force_login(world.butler_a.user)
    body = client.get(reverse("portfolio:list"), {"q": "甬安"}).content.decode()
    assert other.period.company.name in body and world.company_a.name not in body
    partial = client.get(reverse("portfolio:list"), {"sort": "name"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<tr>" in partial and "<html" not in partial


def test_past_butler_sees_the_company_read_only(client, world):
    service_period_transfer(
        actor=world.manager, period=world.period_a, to_butler=world.butler_b, reason="调整"
    )
    client.force_login(world.butler_a.user)
    page = client.get(reverse("company:detail", args=[world.company_a.pk]))
    assert page.status_code == 200
    assert reverse("company:edit", args=[world.company_a.pk]) not in page.content.decode()
    assert client.get(reverse("company:edit", args=[world.company_a.pk])).status_code == 403
    assert client.post(reverse("company:contact_add", args=[world.company_a.pk]), {}).status_code == 403


def test_company_page_shows_who_changed_what(client, world):
    client.force_login(world.butler_a.user)
    response = client.post(
        reverse("company:edit", args=[world.company_a.pk]),
        {
            "name": world.company_a.name,
            "registered_on": "2026-10-01",
            "district": "330206",
            "business_types": [BusinessType.objects.get(code="dangerous_goods").pk],
            "address": "宁波市北仑区小港街道新地址1号",
            "legal_representative": "李四",
            "status": "operating",
        },
    )
    assert response.status_code == 302
    body = client.get(reverse("company:detail", args=[world.company_a.pk]), HTTP_ACCEPT_LANGUAGE="en").content
    body = body.decode()
    assert "宁波市北仑区新碶街道明州路188号" in body and "宁波市北仑区小港街道新地址1号" in body
    assert "Road transport of dangerous goods" in body
    assert "王丽娜" in body  # the butler who changed it


def test_manager_transfers_through_the_page(client, world):
    client.force_login(world.manager)
    url = reverse("company:transfer", args=[world.company_a.pk])
    refused = client.post(url, {"to_butler": world.butler_b.pk, "reason": ""})
    assert refused.status_code == 200
    assert ServicePeriod.objects.get(pk=world.period_a.pk).is_active
    done = client.post(url, {"to_butler": world.butler_b.pk, "reason": "原管家岗位调整"})
    assert done.status_code == 302
    assert ServicePeriod.objects.active().get(company=world.company_a).butler == world.butler_b


def test_manager_ends_a_period_early_through_the_page(client, world):
    client.force_login(world.manager)
    client.post(reverse("company:end_early", args=[world.company_b.pk]), {"reason": "企业已注销"})
    period = ServicePeriod.objects.get(pk=world.period_b.pk)
    assert period.status == ServicePeriod.Status.ENDED_EARLY and period.reason == "企业已注销"


def test_manager_filters_periods_by_butler_and_status(client, world):
    client.force_login(world.manager)
    body = client.get(
        reverse("oversight:periods"), {"butler": world.butler_b.pk, "status": "active"}
    ).content.decode()
    assert world.company_b.name in body and world.company_a.name not in body
    body = client.get(reverse("oversight:periods"), {"status": "completed"}).content.decode()
    assert world.company_b.name not in body


def test_workload_counts_companies_in_service(client, world):
    client.force_login(world.manager)
    response = client.get(reverse("oversight:workload"))
    rows = {w.butler.display_name: w for w in response.context["workload"]}
    assert rows["王丽娜"].in_service == 1 and rows["张伟"].in_service == 1


def test_portal_shows_the_butler_card_and_days_left(client, world):
    client.force_login(world.contact_a)
    response = client.get(reverse("portal:home"))
    body = response.content.decode()
    assert "王丽娜" in body and world.period_a.card_number in body
    assert 'href="tel:+86-574-8686-1234"' in body
    assert response.context["days_left"] == 180  # frozen on the period's first day
    assert '<span class="stat" data-testid="days-left">180</span>' in body


def test_invitation_page_activates_the_portal(client, world):
    company = Company.objects.get(pk=world.company_b.pk)
    extra = company.contacts.create(name="孙丽", mobile="13900000888")
    _invitation, token = invitation_issue(actor=world.butler_b.user, contact=extra)
    url = reverse("portal:invitation", args=[token])
    wrong = client.post(
        url, {"mobile": "13900000999", "password1": "Beilun-2026!", "password2": "Beilun-2026!"}
    )
    assert wrong.status_code == 200 and "13900000999" in wrong.content.decode()
    response = client.post(
        url, {"mobile": "13900000888", "password1": "Beilun-2026!", "password2": "Beilun-2026!"}
    )
    assert response["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200
    client.logout()
    assert client.get(url).status_code == 410


def test_sign_in_with_mobile_number(client, world):
    response = client.post(
        reverse("login"), {"username": world.contact_a.contact.mobile, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("portal:home")


@pytest.mark.parametrize("language,text", [("zh-hans", "企业管家服务"), ("en", "Enterprise butler service")])
def test_pages_speak_the_chosen_language(client, world, language, text):
    client.force_login(world.butler_a.user)
    client.post(reverse("set_language"), {"language": language})
    assert text in client.get(reverse("portfolio:list")).content.decode()


def test_chinese_is_the_default_language(client):
    assert "登录" in client.get(reverse("login")).content.decode()


def test_completed_period_shows_no_days_left(client, world):
    service_periods_complete_due(today=world.period_a.end_date + timedelta(days=1))
    client.force_login(world.contact_a)
    body = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "ended on" in body


def test_password_reset_mails_a_working_link_in_chinese(client, world):
    from django.core import mail

    client.post(reverse("password_reset"), {"email": "butler_a@window.example"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "密码" in message.subject
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Beilun-new-2026", "new_password2": "Beilun-new-2026"},
    )
    assert done.status_code == 302
    world.butler_a.user.refresh_from_db()
    assert world.butler_a.user.check_password("Beilun-new-2026")


def test_an_overlong_email_is_a_form_error_not_a_crash(client, world):
    client.force_login(world.butler_a.user)
    response = client.post(
        reverse("firstvisit:register"), _registration(contact_email="a" * 250 + "@example.com")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["contact_email"]
    assert not Company.objects.filter(credit_code=credit_code(300)).exists()


def test_a_transfer_stands_when_the_broker_is_down(
    client, world, monkeypatch, django_capture_on_commit_callbacks
):
    from butler import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.notify_company_of_transfer, "delay", broker_down)
    client.force_login(world.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("company:transfer", args=[world.company_a.pk]),
            {"to_butler": world.butler_b.pk, "reason": "原管家岗位调整"},
        )
    assert response.status_code == 302
    assert ServicePeriod.objects.active().get(company=world.company_a).butler == world.butler_b


def test_the_invitation_token_is_not_kept_on_the_server(client, world):
    from django.contrib.sessions.models import Session

    client.force_login(world.butler_a.user)
    response = client.post(reverse("firstvisit:register"), _registration(), follow=True)
    card = response.content.decode()
    token = card.split("/portal/invitation/", 1)[1].split("/", 1)[0]
    assert len(token) > 30
    assert all(token not in str(session.get_decoded()) for session in Session.objects.all())
    # A colleague opening the same card on another browser gets the portal sign-in in the QR code instead.
    other = type(client)()
    other.force_login(world.manager)
    period = ServicePeriod.objects.get(company__credit_code=credit_code(300))
    assert token not in other.get(reverse("service:card", args=[period.pk])).content.decode()


def test_manager_company_list_shows_companies_with_and_without_a_butler(client, world):
    from tests.conftest import register

    lonely = register(world.manager, 310, name="宁波北仑新注册物流有限公司")
    client.force_login(world.manager)
    everything = client.get(reverse("oversight:companies")).content.decode()
    assert lonely.name in everything and world.company_a.name in everything
    without = client.get(reverse("oversight:companies"), {"without_butler": "on"}).content.decode()
    assert lonely.name in without and world.company_a.name not in without
    by_butler = client.get(reverse("oversight:companies"), {"butler": world.butler_b.pk}).content.decode()
    assert world.company_b.name in by_butler and world.company_a.name not in by_butler


def test_portfolio_partial_varies_on_htmx(client, world):
    client.force_login(world.butler_a.user)
    response = client.get(reverse("portfolio:list"), HTTP_HX_REQUEST="true")
    assert "HX-Request" in response["Vary"]
