import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from companies.models import Vehicle


def _url(company, kind="vehicles"):
    return reverse("company:import_subjects", args=[company.pk, kind])


def _vehicles_csv(*rows) -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text).writerows([["车牌号", "车辆类型", "总质量(kg)"], *rows])
    return SimpleUploadedFile("vehicles.csv", text.getvalue().encode(), content_type="text/csv")


def test_company_butler_sees_the_columns_to_fill(client, world):
    client.force_login(world.butler_a.user)
    response = client.get(_url(world.company_a), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "车牌号" in body and "浙B12345" in body and 'accept=".csv,.xlsx"' in body
    assert 'enctype="multipart/form-data"' in body


def test_company_butler_imports_and_returns_to_the_company(client, world):
    client.force_login(world.butler_a.user)
    uploaded = _vehicles_csv(["浙B12345", "truck", "18000"], ["浙B23456", "tractor", "25000"])
    response = client.post(_url(world.company_a), {"file": uploaded}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == reverse("company:detail", args=[world.company_a.pk])
    assert world.company_a.vehicles.count() == 2
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "2 vehicles imported." in page.content.decode()


def test_people_page_works_for_the_manager(client, world):
    client.force_login(world.manager)
    response = client.get(_url(world.company_b, "people"))
    assert response.status_code == 200
    assert "姓名" in response.content.decode()


def test_another_butler_does_not_see_the_company(client, world):
    client.force_login(world.butler_b.user)
    assert client.get(_url(world.company_a)).status_code == 404
    response = client.post(_url(world.company_a), {"file": _vehicles_csv(["浙B12345", "truck", "18000"])})
    assert response.status_code == 404
    assert not Vehicle.objects.exists()


def test_company_user_is_refused(client, world):
    client.force_login(world.contact_a)
    response = client.post(_url(world.company_a), {"file": _vehicles_csv(["浙B12345", "truck", "18000"])})
    assert response.status_code == 403
    assert not Vehicle.objects.exists()


def test_unknown_kind_is_not_found(client, world):
    client.force_login(world.butler_a.user)
    assert client.get(_url(world.company_a, "vessels")).status_code == 404


def test_bad_rows_show_the_error_table_and_create_nothing(client, world):
    client.force_login(world.butler_a.user)
    uploaded = _vehicles_csv(["浙B12345", "truck", "18000"], ["浙BI2345", "truck", "300"])
    response = client.post(_url(world.company_a), {"file": uploaded}, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="import-errors"' in body and "nothing was imported" in body
    assert '<td class="code">3</td>' in body and "letters I and O" in body
    assert not Vehicle.objects.exists()


def test_a_file_that_is_not_a_table_is_a_form_error(client, world):
    client.force_login(world.butler_a.user)
    png = SimpleUploadedFile("vehicles.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    response = client.post(_url(world.company_a), {"file": png}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "neither an Excel workbook" in response.content.decode()
    assert not Vehicle.objects.exists()
