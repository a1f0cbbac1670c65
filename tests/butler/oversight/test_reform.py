"""The reform's figures on the manager's dashboard against the hand-counted scene of ``reform_scene`` (read
its docstring first), with the butler and business-type filters; each list behind a figure has exactly the
rows the figure counts; the page, the lists and the catalogue's committed limits as the manager sees them;
and lists that cost the same queries for any number of rows."""

from datetime import date

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from butler.oversight.dashboard import dashboard_figures
from butler.oversight.dashboard_drills import drill_rows
from companies.models import BusinessType, LicenceType
from tests.butler.oversight.reform_scene import BASELINE, TODAY, at, build_reform_scene, bulk_reform
from tests.queries import assert_fixed_queries

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
RANGE = {"since": date(2026, 11, 1), "until": date(2026, 11, 30), "today": TODAY}
QUERY = "since=2026-11-01&until=2026-11-30"


@pytest.fixture
def scene(world):
    with override_settings(BUTLER_REFORM_BASELINE=BASELINE), time_machine.travel(at(11, 20, 10), tick=True):
        yield build_reform_scene(world)


def reform(**filters):
    return dashboard_figures(**RANGE, **filters).reform


def test_every_reform_figure_against_the_hand_count(scene):
    r = reform()
    assert (r.registered, r.reached) == (3, 2)  # R1, R2, R3; R1 and R2 reached
    assert r.reached_share == pytest.approx(2 / 3)
    assert (r.applications, r.online) == (4, 2)  # online and by mobile
    assert r.online_share == pytest.approx(0.5)
    assert (r.decisions, r.on_the_spot) == (4, 3)
    assert r.on_the_spot_share == pytest.approx(0.75)
    assert r.on_the_spot_minutes == pytest.approx(40)  # 20, 40, 90
    assert [(row.licence_type.code, row.statutory, row.committed) for row in r.limits] == [
        ("road_freight_licence", 20, 5),
        ("dangerous_goods_licence", 20, 10),
    ]
    assert (r.statutory_days, r.committed_days) == (40, 15)
    assert r.compression == pytest.approx(0.625)
    m = r.materials
    assert (m.since, m.before, m.after, m.shared) == (BASELINE, scene.materials, scene.materials - 1, 2)
    assert m.handed_in == scene.materials - 3
    assert m.reduction == pytest.approx(1 / scene.materials)
    assert (r.consultations, r.without_company, r.hotline) == (6, 3, 2)
    assert (r.important_due, r.revisited) == (3, 1)  # C2, C3, C7 due by today; C2 revisited
    assert r.revisited_share == pytest.approx(1 / 3)


def test_the_reform_figures_for_one_butler(scene):
    a = reform(butler_id=scene.world.butler_a.pk)
    assert (a.registered, a.reached) == (1, 1)  # R1 (R4 is not of the district)
    assert (a.applications, a.online) == (3, 1)  # of A, R1 and R4: A's two and R1's
    assert (a.decisions, a.on_the_spot) == (2, 2)  # A's and R1's; R4's has no times
    assert a.on_the_spot_minutes == pytest.approx(65)  # the middle of 40 and 90
    assert (a.consultations, a.without_company, a.hotline, a.important_due, a.revisited) == (2, 1, 0, 1, 1)

    b = reform(butler_id=scene.world.butler_b.pk)
    assert (b.registered, b.reached) == (1, 1)  # R2
    assert (b.applications, b.online) == (1, 1)  # B's by mobile; the October one is out of range
    assert (b.decisions, b.on_the_spot, b.on_the_spot_minutes) == (2, 1, pytest.approx(20))
    assert (b.consultations, b.without_company, b.hotline, b.important_due, b.revisited) == (2, 1, 0, 1, 0)


def test_a_business_type_no_company_has_counts_nothing(scene):
    dangerous = BusinessType.objects.get(code="dangerous_goods")
    d = reform(business_type_id=dangerous.pk)
    assert (d.registered, d.applications, d.decisions, d.consultations) == (0, 0, 0, 0)
    assert d.reached_share is None and d.online_share is None and d.on_the_spot_minutes is None
    assert d.revisited_share is None


def test_each_reform_list_has_exactly_the_rows_its_figure_counts(scene):
    w, c, a, d, k = scene.world, scene.companies, scene.applications, scene.decisions, scene.consultations
    expected = {
        "reform_registered": {c["R1"], c["R2"], c["R3"]},
        "reform_reached": {c["R1"], c["R2"]},
        "reform_not_reached": {c["R3"]},
        "reform_applications": {a["A window"], a["A online"], a["B mobile"], a["R1 post"]},
        "reform_online": {a["A online"], a["B mobile"]},
        "reform_decisions": {d["A"], d["B"], d["R1"], d["R2"]},
        "reform_on_the_spot": {d["A"], d["B"], d["R1"]},
        "reform_consultations": {k["C1"], k["C2"], k["C3"], k["C4"], k["C6"], k["C7"]},
        "reform_without_company": {k["C2"], k["C3"], k["C7"]},
        "reform_hotline": {k["C4"], k["C7"]},
        "reform_important_due": {k["C2"], k["C3"], k["C7"]},
        "reform_revisited": {k["C2"]},
    }
    r = reform()
    counted = {
        "reform_registered": r.registered,
        "reform_reached": r.reached,
        "reform_not_reached": r.registered - r.reached,
        "reform_applications": r.applications,
        "reform_online": r.online,
        "reform_decisions": r.decisions,
        "reform_on_the_spot": r.on_the_spot,
        "reform_consultations": r.consultations,
        "reform_without_company": r.without_company,
        "reform_hotline": r.hotline,
        "reform_important_due": r.important_due,
        "reform_revisited": r.revisited,
    }
    for figure, rows in expected.items():
        listed = drill_rows(figure, **RANGE)
        assert {row.pk for row in listed} == {row.pk for row in rows}, figure
        assert listed.count() == counted[figure], figure
    assert {row.pk for row in drill_rows("reform_reached", **RANGE, butler_id=w.butler_b.pk)} == {c["R2"].pk}


def test_the_dashboard_shows_the_reform_figures_with_the_lists_and_pages_behind_them(scene, client):
    client.force_login(scene.world.manager)
    page = client.get(reverse("oversight:dashboard") + "?" + QUERY, **EN)
    assert page.status_code == 200
    group = page.context["groups"]["reform"]
    figures = {figure.key: figure for figure in group.figures}
    assert {key: figure.display for key, figure in figures.items() if key != "material_reduction"} == {
        "registered": "3",
        "reached_share": "66.7%",
        "online_share": "50.0%",
        "on_the_spot_share": "75.0%",
        "on_the_spot_minutes": "40",
        "compression": "62.5%",
        "consultations": "6",
        "revisited_share": "33.3%",
    }
    assert "(40 → 15)" in str(figures["compression"].definition)
    assert "of which 2 obtained by data sharing" in str(figures["material_reduction"].definition)
    assert "3 of them without a registered company" in str(figures["consultations"].definition)
    assert figures["reached_share"].tone == "warning"  # R3 not reached yet
    urls = {key: figure.url for key, figure in figures.items()}
    assert urls["compression"] == reverse("oversight:limits")
    assert urls["material_reduction"] == reverse("feedback:materials") + "?since=2026-11-03"
    assert urls["registered"] == reverse("oversight:drill", args=["reform_registered"]) + "?" + QUERY
    assert urls["revisited_share"] == reverse("oversight:drill", args=["reform_important_due"]) + "?" + QUERY
    html = page.content.decode()
    assert "3 of them without a registered company" in html
    assert reverse("oversight:limits") in html


def drill(client, figure: str) -> list[list[str]]:
    page = client.get(reverse("oversight:drill", args=[figure]) + "?" + QUERY, **EN)
    assert page.status_code == 200
    return [[str(cell.text) for cell in row] for row in page.context["rows"]]


def test_the_lists_behind_the_reform_figures_show_their_rows(scene, client):
    w = scene.world
    client.force_login(w.manager)
    without = drill(client, "reform_without_company")
    assert [(row[0], row[1], row[3]) for row in without] == [
        ("2026-11-19 09:00", "钱女士", "GD20261119002"),
        ("2026-11-06 10:00", "周先生", "—"),
        ("2026-11-04 10:00", "陈先生", "—"),
    ]
    assert [(row[5], row[6]) for row in without] == [
        ("2026-11-20", "—"),
        ("2026-11-10", "—"),
        ("2026-11-09", "2026-11-09 15:00"),
    ]
    spot = drill(client, "reform_on_the_spot")
    assert [(row[1], row[4]) for row in spot] == [
        (w.company_b.name, "20"),
        (w.company_a.name, "40"),
        (scene.companies["R1"].name, "90"),
    ]
    not_reached = drill(client, "reform_not_reached")
    assert [(row[0], row[2], row[3]) for row in not_reached] == [
        (scene.companies["R3"].name, "2026-11-16", "no")
    ]
    assert [row[2] for row in drill(client, "reform_online")] == ["Mobile", "Online"]


def test_the_committed_limits_page_lists_the_catalogue_most_compressed_first(scene, client):
    client.force_login(scene.world.manager)
    page = client.get(reverse("oversight:limits"), **EN)
    assert page.status_code == 200
    rows = [(row.licence_type.code, row.compression) for row in page.context["rows"]]
    assert rows == [("road_freight_licence", 0.75), ("dangerous_goods_licence", 0.5)]
    html = page.content.decode()
    assert "40 → 15 working days in all" in html and "Compression 62.5%" in html
    assert "75.0%" in html and "50.0%" in html


def test_the_limits_page_without_any_limit_says_so(world, client):
    LicenceType.objects.update(committed_limit_days=None)
    client.force_login(world.manager)
    page = client.get(reverse("oversight:limits"), **EN)
    assert page.status_code == 200 and page.context["compression"] is None
    assert "No catalogue item has both limits yet." in page.content.decode()


@pytest.mark.parametrize(
    "figure", ["reform_registered", "reform_applications", "reform_decisions", "reform_consultations"]
)
def test_a_reform_list_costs_the_same_queries_for_any_number_of_rows(world, client, figure):
    with time_machine.travel(at(11, 20, 10), tick=True):
        client.force_login(world.manager)
        assert_fixed_queries(
            client,
            reverse("oversight:drill", args=[figure]),
            data={"since": "2026-11-01", "until": "2026-11-30"},
            fill=lambda first, stop: bulk_reform(world, stop - first, start=first),
            at_most=10,  # each list makes 9
            sizes=(10, 120),
            check=lambda response, size: response.context["page"].paginator.count >= size // 4,
        )
