"""The transfer notice leaves through the real parts: the transfer queues it on the configured broker
(Redis in CI), a Celery worker process picks it up and sends it to an SMTP server listening on loopback."""

import pytest

from butler.firstvisit.services import first_visit_accept
from butler.models import ServicePeriod
from tests.conftest import make_butler, make_user, register
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_transfer_notice_is_mailed_by_a_worker_through_smtp(smtp_sink, start_worker, product_shell):
    worker = start_worker("--pool=solo")
    manager = make_user("manager_live", "Manager")
    first, second = make_butler("first_live", "王丽娜"), make_butler("second_live", "张伟")
    company = register(first.user, 800, email="boss@shunda.example")
    period = first_visit_accept(actor=first.user, company_id=company.pk).period

    # The manager's transfer runs in a process of its own, as a web server's would, and queues the notice.
    product_shell(
        "from butler.service.services import service_period_transfer; "
        "from butler.models import Butler, ServicePeriod; "
        "from django.contrib.auth import get_user_model; "
        f"service_period_transfer(actor=get_user_model().objects.get(pk={manager.pk}), "
        f"period=ServicePeriod.objects.get(pk={period.pk}), to_butler=Butler.objects.get(pk={second.pk}), "
        "reason='岗位调整')"
    )
    new_period = ServicePeriod.objects.active().get(company=company)
    assert new_period.butler == second

    assert wait_for(lambda: len(smtp_sink) > 0, timeout=60, every=0.2, worker=worker), (
        "the worker did not deliver the notice"
    )
    assert len(smtp_sink.messages) == 1
    mail = smtp_sink.messages[0]
    assert mail.recipients == ("boss@shunda.example",)
    assert new_period.card_number in mail.body
