"""Who may open what: every URL of the product, by GET and by POST where it takes one, for every role.

LOGIN: redirected to sign in. 403: the role may not use the page. 404: the object is outside the user's
scope (we never confirm that it exists). A URL missing from the matrix fails the suite.

Roles around company A: ``butler_a`` serves it now, ``past_butler`` served it before a transfer (read-only),
``butler_b`` serves company B only, ``inactive_butler`` has been deactivated. ``reviewer`` decides disputed
ratings from outside the window and opens nothing else of it: unless a row says otherwise, it is answered as
the ``outsider`` (signed in, no role of the window). POSTs carry no data: an allowed user gets the form back
with its errors (200) or a redirect, never a change.
"""

from datetime import date

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from butler.calendars.services import calendar_feed_make
from butler.contactlog.services import contact_record
from butler.feedback.cases import case_classify, case_verify
from butler.feedback.improvements import improvement_create
from butler.feedback.on_site import visit_token
from butler.feedback.ratings import rating_submit, suggestion_submit
from butler.health import checks as health
from butler.messaging.services import thread_start
from butler.models import Attachment, CalendarFeed, Rating, ServicePeriod, Suggestion
from butler.security import roles
from butler.service.invitations import invitation_issue
from companies.models import CompanyLicence, LicenceChange, Obligation, Vehicle
from companies.services import trip_record, vehicle_add
from reminders.models import Notice
from tests.conftest import NOW, build_world, built_once_per_module, make_butler, make_user
from tests.factories import ServicePeriodFactory

ROLES = [
    "anonymous",
    "company_a",
    "company_b",
    "butler_a",
    "butler_b",
    "past_butler",
    "inactive_butler",
    "manager",
    "outsider",
    "reviewer",
]
LOGIN = "login"


def row(
    anonymous,
    company_a,
    company_b,
    butler_a,
    butler_b,
    past_butler,
    inactive_butler,
    manager,
    outsider,
    reviewer=None,
):
    return dict(
        zip(
            ROLES,
            [
                anonymous,
                company_a,
                company_b,
                butler_a,
                butler_b,
                past_butler,
                inactive_butler,
                manager,
                outsider,
                outsider if reviewer is None else reviewer,
            ],
            strict=True,
        )
    )


EVERYONE = row(*[200] * 9)
REDIRECTED = row(*[302] * 9)
SIGNED_IN = row(LOGIN, *[200] * 8)
BUTLERS = row(LOGIN, 403, 403, 200, 200, 200, 200, 403, 403)
MANAGER = row(LOGIN, 403, 403, 403, 403, 403, 403, 200, 403)
# Company A's records: its butler and the manager; the past butler reads; other butlers never see them.
A_READ = row(LOGIN, 403, 403, 200, 404, 200, 404, 200, 403)
A_WRITE = row(LOGIN, 403, 403, 200, 404, 403, 404, 200, 403)
COMPANIES = row(LOGIN, 200, 200, 403, 403, 403, 403, 403, 403)
COMPANY_A = row(LOGIN, 200, 404, 403, 403, 403, 403, 403, 403)
# Window staff (an inactive butler keeps the role and sees empty lists).
STAFF = row(LOGIN, 403, 403, 200, 200, 200, 200, 200, 403)

# The API is called with an integration's key, never a session: signed in or not, 401 (each role's key is in
# tests/butler/api/). Its schema is open to the staff signed in; its docs page is a page of the staff.
KEY_ONLY = row(*[401] * 9)
SCHEMA = row(401, 403, 403, 200, 200, 200, 200, 200, 403)

# (name, method): (arguments from the world, expected status per role)
MATRIX = {
    ("api:company-list", "get"): (lambda w: [], KEY_ONLY),
    ("api:company-detail", "get"): (lambda w: [w.company_a.pk], KEY_ONLY),
    ("api:period-list", "get"): (lambda w: [], KEY_ONLY),
    ("api:period-detail", "get"): (lambda w: [w.period_a.pk], KEY_ONLY),
    ("api:licence-list", "get"): (lambda w: [], KEY_ONLY),
    ("api:licence-detail", "get"): (lambda w: [w.licence_a.pk], KEY_ONLY),
    ("api:contact-list", "get"): (lambda w: [], KEY_ONLY),
    ("api:contact-detail", "get"): (lambda w: [w.contact_a.contact.pk], KEY_ONLY),
    ("api:reminder-list", "get"): (lambda w: [], KEY_ONLY),
    ("api:reminder-detail", "get"): (lambda w: [1], KEY_ONLY),
    ("api:figures", "get"): (lambda w: [], KEY_ONLY),
    ("api:events", "post"): (lambda w: [], KEY_ONLY),
    ("api:registrations", "post"): (lambda w: [], KEY_ONLY),
    ("api:schema", "get"): (lambda w: [], SCHEMA),
    ("api:docs", "get"): (lambda w: [], STAFF),
    ("home", "get"): (lambda w: [], row(LOGIN, 302, 302, 302, 302, 302, 302, 302, 403, reviewer=302)),
    ("login", "get"): (lambda w: [], EVERYONE),
    ("login", "post"): (lambda w: [], EVERYONE),
    ("logout", "post"): (lambda w: [], REDIRECTED),
    ("password_change", "get"): (lambda w: [], SIGNED_IN),
    ("password_change", "post"): (lambda w: [], SIGNED_IN),
    ("password_change_done", "get"): (lambda w: [], SIGNED_IN),
    ("password_reset", "get"): (lambda w: [], EVERYONE),
    ("password_reset", "post"): (lambda w: [], EVERYONE),
    ("password_reset_done", "get"): (lambda w: [], EVERYONE),
    # butler_a signing in changes their last sign-in time, which retires the link: "expired" page (200).
    ("password_reset_confirm", "get"): (
        lambda w: [w.reset_uid, w.reset_token],
        row(302, 302, 302, 200, 302, 302, 302, 302, 302),
    ),
    ("password_reset_complete", "get"): (lambda w: [], EVERYONE),
    ("set_language", "post"): (lambda w: [], REDIRECTED),
    ("firstvisit:search", "get"): (lambda w: [], BUTLERS),
    ("firstvisit:register", "get"): (lambda w: [], BUTLERS),
    ("firstvisit:register", "post"): (lambda w: [], BUTLERS),
    ("firstvisit:accept", "get"): (lambda w: [w.company_a.pk], BUTLERS),
    # The market regulator's list of new registrations: the manager imports it.
    ("firstvisit:registrations", "get"): (lambda w: [], MANAGER),
    ("firstvisit:registrations", "post"): (lambda w: [], MANAGER),
    # Company A has a butler: everyone allowed is sent on (to the company, or told who its butler is).
    ("firstvisit:accept", "post"): (
        lambda w: [w.company_a.pk],
        row(LOGIN, 403, 403, 302, 302, 302, 302, 403, 403),
    ),
    ("portfolio:list", "get"): (lambda w: [], BUTLERS),
    ("portfolio:today", "get"): (lambda w: [], BUTLERS),
    ("company:detail", "get"): (lambda w: [w.company_a.pk], A_READ),
    ("company:edit", "get"): (lambda w: [w.company_a.pk], A_WRITE),
    ("company:timeline", "get"): (lambda w: [w.company_a.pk], A_READ),
    ("company:edit", "post"): (lambda w: [w.company_a.pk], A_WRITE),
    ("company:contact_add", "get"): (lambda w: [w.company_a.pk], A_WRITE),
    ("company:contact_add", "post"): (lambda w: [w.company_a.pk], A_WRITE),
    ("company:contact_edit", "get"): (lambda w: [w.contact_a.contact.pk], A_WRITE),
    ("company:contact_edit", "post"): (lambda w: [w.contact_a.contact.pk], A_WRITE),
    ("company:transfer", "get"): (lambda w: [w.company_a.pk], MANAGER),
    ("company:transfer", "post"): (lambda w: [w.company_a.pk], MANAGER),
    ("company:status", "get"): (lambda w: [w.company_a.pk], A_WRITE),
    ("company:status", "post"): (lambda w: [w.company_a.pk], A_WRITE),
    ("company:end_early", "get"): (lambda w: [w.company_a.pk], MANAGER),
    ("company:end_early", "post"): (lambda w: [w.company_a.pk], MANAGER),
    ("service:card", "get"): (lambda w: [w.period_a.pk], A_READ),
    ("company:period_summary", "get"): (lambda w: [w.period_a.pk], A_READ),
    ("company:period_summary", "post"): (
        lambda w: [w.period_a.pk],
        row(LOGIN, 403, 403, 200, 404, 403, 404, 200, 403),
    ),
    ("service:new_invitation", "post"): (
        lambda w: [w.period_a.pk],
        row(LOGIN, 403, 403, 302, 404, 403, 404, 302, 403),
    ),
    ("licences:checklist", "get"): (lambda w: [w.company_a.pk], A_READ),
    ("licences:detail", "get"): (lambda w: [w.licence_a.pk], A_READ),
    ("licences:step", "post"): (lambda w: [w.licence_a.pk], A_WRITE),
    ("licences:trip", "post"): (lambda w: [w.licence_a.pk], A_WRITE),
    ("licences:notice", "get"): (lambda w: [w.missing_a.pk], A_READ),
    ("fleet:calendar", "get"): (lambda w: [w.company_a.pk], A_READ),
    ("fleet:obligation", "get"): (lambda w: [w.obligation_a.pk], A_WRITE),
    ("fleet:obligation", "post"): (lambda w: [w.obligation_a.pk], A_WRITE),
    ("fleet:retire", "get"): (lambda w: [w.vehicle_a.pk], A_WRITE),
    ("fleet:retire", "post"): (lambda w: [w.vehicle_a.pk], A_WRITE),
    ("portal:fleet", "get"): (lambda w: [], COMPANIES),
    ("portal:fleet_export", "get"): (lambda w: [], COMPANIES),
    ("fleet:export", "get"): (lambda w: [w.company_a.pk], A_READ),
    ("licences:file", "get"): (lambda w: [w.company_a.pk], A_WRITE),
    ("licences:file", "post"): (lambda w: [w.company_a.pk], A_WRITE),
    ("licences:verify", "post"): (lambda w: [w.licence_a.pk], A_WRITE),
    ("licences:cancel_notice", "post"): (lambda w: [w.lapsed_a.pk], A_WRITE),
    ("licences:change_add", "post"): (lambda w: [w.licence_a.pk], A_WRITE),
    # A visit rated on the spot: the code is the serving butler's or the manager's; the page is anyone's.
    ("feedback:visit_qr", "get"): (lambda w: [w.trip_a.pk], A_WRITE),
    ("feedback:rate_visit", "get"): (lambda w: [visit_token(w.trip_a)], EVERYONE),
    ("feedback:rate_visit", "post"): (lambda w: [visit_token(w.trip_a)], EVERYONE),
    # The published results: anyone, signed in or not.
    ("feedback:results", "get"): (lambda w: [], row(*[200] * 9, reviewer=200)),
    # Disputed ratings: the reviewer alone, outside the window.
    ("feedback:disputes", "get"): (lambda w: [], row(LOGIN, *[403] * 8, reviewer=200)),
    ("feedback:dispute", "get"): (lambda w: [w.dispute_a.pk], row(LOGIN, *[403] * 8, reviewer=200)),
    ("feedback:dispute", "post"): (lambda w: [w.dispute_a.pk], row(LOGIN, *[403] * 8, reviewer=200)),
    # A re-rating (追评): the rater's own company only.
    ("feedback:rate_again", "get"): (lambda w: [w.rating_a.pk], COMPANY_A),
    ("feedback:rate_again", "post"): (lambda w: [w.rating_a.pk], COMPANY_A),
    ("licences:change_step", "post"): (lambda w: [w.licence_a.pk, w.change_a.pk], A_WRITE),
    # Taking back a visit: its butler and the manager are sent back to the licence.
    ("licences:trip_delete", "post"): (
        lambda w: [w.licence_a.pk, w.trip_a.pk],
        row(LOGIN, 403, 403, 302, 404, 403, 404, 302, 403),
    ),
    ("portal:notice", "get"): (lambda w: [w.missing_a.pk], COMPANY_A),
    ("licences:subject_add", "get"): (lambda w: [w.company_a.pk, "vehicle"], A_WRITE),
    ("licences:subject_add", "post"): (lambda w: [w.company_a.pk, "person"], A_WRITE),
    # An empty form is refused with a message and a redirect back to the checklist.
    ("licences:trip_permit", "post"): (
        lambda w: [w.company_a.pk],
        row(LOGIN, 403, 403, 302, 404, 403, 404, 302, 403),
    ),
    ("company:import_subjects", "get"): (lambda w: [w.company_a.pk, "vehicles"], A_WRITE),
    ("company:import_subjects", "post"): (lambda w: [w.company_a.pk, "people"], A_WRITE),
    ("portal:licences", "get"): (lambda w: [], row(LOGIN, 200, 200, 403, 403, 403, 403, 403, 403)),
    ("oversight:periods", "get"): (lambda w: [], MANAGER),
    ("oversight:companies", "get"): (lambda w: [], MANAGER),
    ("oversight:licences", "get"): (lambda w: [], MANAGER),
    ("oversight:workload", "get"): (lambda w: [], MANAGER),
    ("portal:home", "get"): (lambda w: [], row(LOGIN, 200, 200, 403, 403, 403, 403, 403, 403)),
    ("portal:invitation", "get"): (lambda w: [w.invitation_token], EVERYONE),
    ("portal:invitation", "post"): (lambda w: [w.invitation_token], EVERYONE),
    ("portal:reminders", "get"): (lambda w: [], row(LOGIN, 200, 200, 403, 403, 403, 403, 403, 403)),
    ("portal:reminders", "post"): (lambda w: [], row(LOGIN, 200, 200, 403, 403, 403, 403, 403, 403)),
    ("oversight:deliveries", "get"): (lambda w: [], MANAGER),
    ("oversight:deliveries_retry", "post"): (
        lambda w: [],
        row(LOGIN, 403, 403, 403, 403, 403, 403, 302, 403),
    ),
    # Everyone with a role has notifications; a notice is opened by its recipient only.
    # The reviewer is told of disputes to decide by notices of its own.
    ("notices:index", "get"): (
        lambda w: [],
        row(LOGIN, 200, 200, 200, 200, 200, 200, 200, 403, reviewer=200),
    ),
    ("notices:open", "get"): (
        lambda w: [w.notice_a.pk],
        row(LOGIN, 302, 404, 404, 404, 404, 404, 404, 403, reviewer=404),
    ),
    ("notices:read_all", "post"): (
        lambda w: [],
        row(LOGIN, 302, 302, 302, 302, 302, 302, 302, 403, reviewer=302),
    ),
    # Contact log
    ("contactlog:add", "post"): (lambda w: [w.company_a.pk], A_WRITE),
    ("contactlog:quick", "get"): (lambda w: [w.company_a.pk], A_WRITE),
    ("contactlog:quick", "post"): (lambda w: [w.company_a.pk], A_WRITE),
    ("contactlog:return_visit", "get"): (lambda w: [w.return_visit.pk], A_WRITE),
    ("contactlog:return_visit", "post"): (lambda w: [w.return_visit.pk], A_WRITE),
    # The consultation desk and its 12345 upload: window staff (a butler sees the consultations they
    # recorded, an inactive one an empty desk); an empty form comes back with its errors.
    ("contactlog:enquiries", "get"): (lambda w: [], STAFF),
    ("contactlog:enquiries", "post"): (lambda w: [], STAFF),
    ("contactlog:hotline", "post"): (lambda w: [], STAFF),
    # Messages: a company's own contacts, its butler in service and the manager; the past butler reads none.
    ("messaging:portal_list", "get"): (lambda w: [], row(LOGIN, 200, 200, 403, 403, 403, 403, 403, 403)),
    ("messaging:portal_new", "get"): (lambda w: [], row(LOGIN, 200, 200, 403, 403, 403, 403, 403, 403)),
    ("messaging:portal_new", "post"): (lambda w: [], row(LOGIN, 200, 200, 403, 403, 403, 403, 403, 403)),
    ("messaging:portal_thread", "get"): (
        lambda w: [w.thread_a.pk],
        row(LOGIN, 200, 404, 403, 403, 403, 403, 403, 403),
    ),
    ("messaging:portal_thread", "post"): (
        lambda w: [w.thread_a.pk],
        row(LOGIN, 200, 404, 403, 403, 403, 403, 403, 403),
    ),
    ("messaging:new", "get"): (lambda w: [w.company_a.pk], A_WRITE),
    ("messaging:new", "post"): (lambda w: [w.company_a.pk], A_WRITE),
    ("messaging:thread", "get"): (
        lambda w: [w.thread_a.pk],
        row(LOGIN, 403, 403, 200, 404, 404, 404, 200, 403),
    ),
    ("messaging:thread", "post"): (
        lambda w: [w.thread_a.pk],
        row(LOGIN, 403, 403, 200, 404, 404, 404, 200, 403),
    ),
    # The file URL never redirects to sign in: 404 to everyone who may not read the thread.
    ("messaging:attachment", "get"): (
        lambda w: [w.attachment_a.pk],
        row(404, 200, 404, 200, 404, 404, 404, 200, 404),
    ),
    # Feedback: a company rates and suggests on the portal; its butler and the manager record suggestions.
    ("feedback:portal", "get"): (lambda w: [], COMPANIES),
    ("feedback:suggest", "get"): (lambda w: [], COMPANIES),
    ("feedback:suggest", "post"): (lambda w: [], COMPANIES),
    # licence_a is not issued: company A is told it cannot be rated (200); company B never sees it (404).
    ("feedback:rate", "get"): (lambda w: ["matter", w.licence_a.pk], COMPANY_A),
    ("feedback:rate", "post"): (lambda w: ["matter", w.licence_a.pk], COMPANY_A),
    ("feedback:record_suggestion", "get"): (lambda w: [w.company_a.pk], A_WRITE),
    ("feedback:record_suggestion", "post"): (lambda w: [w.company_a.pk], A_WRITE),
    # The audit is the window's: every butler opens the lists (scoped to their companies), the manager all.
    ("feedback:cases", "get"): (lambda w: [], STAFF),
    ("feedback:ratings", "get"): (lambda w: [], STAFF),
    ("feedback:improvements", "get"): (lambda w: [], STAFF),
    ("feedback:materials", "get"): (lambda w: [], STAFF),
    ("feedback:case", "get"): (lambda w: [w.case_a.pk], A_READ),
    ("feedback:case_step", "post"): (lambda w: [w.case_a.pk, "verify"], A_WRITE),
    ("feedback:improvement_new", "get"): (lambda w: [], MANAGER),
    ("feedback:improvement_new", "post"): (lambda w: [], MANAGER),
    ("feedback:improvement", "get"): (lambda w: [w.improvement.pk], STAFF),
    ("feedback:improvement", "post"): (
        lambda w: [w.improvement.pk],
        row(LOGIN, 403, 403, 403, 403, 403, 403, 200, 403),
    ),
    ("oversight:dashboard", "get"): (lambda w: [], MANAGER),
    ("oversight:drill", "get"): (lambda w: ["ratings"], MANAGER),
    ("oversight:dashboard_export", "get"): (lambda w: ["csv"], MANAGER),
    ("oversight:limits", "get"): (lambda w: [], MANAGER),
    ("oversight:year_report", "get"): (lambda w: [], MANAGER),
    ("oversight:year_report_export", "get"): (lambda w: ["csv"], MANAGER),
    ("oversight:exports", "get"): (lambda w: [], MANAGER),
    ("oversight:export", "get"): (lambda w: ["companies", "csv"], MANAGER),
    ("oversight:lookback", "get"): (lambda w: [], MANAGER),
    # Calendars: each person makes and revokes their own address (an empty POST changes nothing: the page
    # again, 200); the feed opens to whoever holds its token, signed in or not — calendar apps cannot sign in.
    ("calendars:portal", "get"): (lambda w: [], COMPANIES),
    ("calendars:portal", "post"): (lambda w: [], COMPANIES),
    ("calendars:mine", "get"): (lambda w: [], STAFF),
    ("calendars:mine", "post"): (lambda w: [], STAFF),
    # Company A's contact's own address: nobody else's to stop, not even the company's butler or the manager.
    ("calendars:revoke", "post"): (
        lambda w: [w.calendar_a.pk],
        row(LOGIN, 302, 404, 404, 404, 404, 404, 404, 403),
    ),
    ("calendars:feed", "get"): (lambda w: [w.calendar_token], row(*[200] * 9, reviewer=200)),
    ("admin:index", "get"): (lambda w: [], REDIRECTED),
    # Health: open to everyone, signed in or not (the world's worker completed a task just now); GET and HEAD.
    ("healthz", "get"): (lambda w: [], EVERYONE),
    ("healthz", "post"): (lambda w: [], row(*[405] * 9)),
}


def _names(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _names(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name


def test_every_url_is_in_the_matrix():
    names = {name for name in _names(get_resolver().url_patterns) if not name.startswith("admin:")}
    assert names - {name for name, _method in MATRIX} == set(), "add these URLs to the access matrix"


# Built once for the module; each case runs in a savepoint rolled back after it.
shared_matrix_world = built_once_per_module(lambda: build_matrix_world(build_world()))


@pytest.fixture
def matrix_world(shared_matrix_world, db, frozen_clock):
    return shared_matrix_world


def build_matrix_world(world):
    """Company A with an invitation, a past and an inactive butler, licences, a thread, a case, a notice."""
    health.heartbeat_record()  # for /healthz: a worker completed a task just now
    company = world.company_a
    uninvited = company.contacts.create(name="赵敏", mobile="13900000777", is_primary=False)
    _invitation, world.invitation_token = invitation_issue(actor=world.butler_a.user, contact=uninvited)
    world.reset_uid = urlsafe_base64_encode(force_bytes(world.butler_a.user.pk))
    world.reset_token = default_token_generator.make_token(world.butler_a.user)
    world.past_butler = make_butler("past", "陈静")
    ServicePeriodFactory(
        company=company,
        butler=world.past_butler,
        start_date=date(2026, 5, 4),
        end_date=date(2026, 10, 31),
        status=ServicePeriod.Status.TRANSFERRED,
        ended_on=date(2026, 9, 1),
        reason="岗位调整",
    )
    world.inactive_butler = make_butler("inactive", "赵磊", active=False)
    vehicle_add(
        actor=world.butler_a.user,
        company=company,
        plate="浙B54321",
        vehicle_type="truck",
        total_mass_kg=18000,
    )
    world.licence_a = CompanyLicence.objects.get(company=company, licence_type__code="road_freight_licence")
    world.vehicle_a = Vehicle.objects.get(plate="浙B54321")
    # A second truck, whose certificate lapsed on 1 October.
    lapsed_truck = vehicle_add(
        actor=world.butler_a.user,
        company=company,
        plate="浙B54322",
        vehicle_type="truck",
        total_mass_kg=18000,
    )
    world.lapsed_a = CompanyLicence.objects.get(
        vehicle=lapsed_truck, licence_type__code="vehicle_certificate"
    )
    CompanyLicence.objects.filter(pk=world.lapsed_a.pk).update(
        status="expired", issued_on=date(2025, 10, 1), expires_on=date(2026, 9, 30)
    )
    world.obligation_a = Obligation.objects.filter(vehicle=world.vehicle_a).first()
    # Issued against a signed commitment (告知承诺制), its check still to come.
    CompanyLicence.objects.filter(pk=world.licence_a.pk).update(
        status="issued", issued_on=date(2026, 11, 2), commitment="承诺书 2026-017", verify_by=date(2027, 1, 1)
    )
    world.change_a = LicenceChange.objects.create(
        licence=world.licence_a,
        item="address",
        before="宁波市北仑区新碶街道明州路188号",
        after="宁波市北仑区大碶街道庐山西路36号",
        noticed_on=date(2026, 11, 1),
        file_by=date(2026, 12, 1),
    )
    world.missing_a = CompanyLicence.objects.get(
        vehicle=world.vehicle_a, licence_type__code="vehicle_certificate"
    )
    CompanyLicence.objects.filter(pk=world.missing_a.pk).update(status="missing")
    world.missing_a.missing_materials.set(world.missing_a.licence_type.materials.all()[:1])
    world.trip_a = trip_record(
        actor=world.butler_a.user, licence=world.licence_a, on=NOW.date(), purpose="补交材料"
    )
    world.return_visit = contact_record(
        actor=world.butler_a.user, company=company, channel="phone", summary="回访测试", return_visit_in=3
    )
    world.thread_a = thread_start(
        actor=world.contact_a,
        company=company,
        subject="营业执照照片",
        body="请看一下",
        files=[SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(32), content_type="image/png")],
    )
    world.attachment_a = Attachment.objects.get(message__thread=world.thread_a)
    world.case_a = suggestion_submit(actor=world.contact_a, category="waiting", text="排队时间太长").case
    world.rating_a = rating_submit(actor=world.contact_a, kind="butler", overall=2, comment="回复太慢")
    # Held malicious by the window, with the reviewer outside it.
    world.reviewer = make_user("reviewer", roles.REVIEWER)
    disputed = rating_submit(
        actor=world.contact_a, kind="matter", licence=world.licence_a, overall=1, comment="乱评"
    )
    disputed_case = case_verify(actor=world.manager, case=disputed.case, note="核实")
    world.dispute_a = case_classify(
        actor=world.manager, case=disputed_case, finding="malicious", reason="与事实不符"
    ).dispute
    world.improvement = improvement_create(
        actor=world.manager,
        title="高峰时段增开窗口",
        owner=world.manager,
        due_on=date(2026, 12, 31),
        cases=[world.case_a],
    )
    world.notice_a = Notice.objects.create(
        recipient=world.contact_a, title="材料缺失", url="/portal/licences/"
    )
    world.calendar_a, world.calendar_token = calendar_feed_make(actor=world.contact_a)
    return world


def _user(world, role):
    return {
        "anonymous": None,
        "company_a": world.contact_a,
        "company_b": world.contact_b,
        "butler_a": world.butler_a.user,
        "butler_b": world.butler_b.user,
        "past_butler": world.past_butler.user,
        "inactive_butler": world.inactive_butler.user,
        "manager": world.manager,
        "outsider": world.outsider,
        "reviewer": world.reviewer,
    }[role]


def _snapshot():
    return (
        list(ServicePeriod.objects.order_by("pk").values_list("pk", "status", "butler_id")),
        list(ServicePeriod.history.values_list("history_id", flat=True)),
        list(CompanyLicence.objects.order_by("pk").values_list("pk", "status")),
        # Nobody changes a rating or a suggestion, whatever they send to whichever page.
        list(Rating.objects.order_by("pk").values_list("pk", "overall", "comment", "matter_key")),
        list(Suggestion.objects.order_by("pk").values_list("pk", "category", "text")),
        # Nobody's calendar address changes but by its owner's own button.
        list(CalendarFeed.objects.order_by("pk").values_list("pk", "revoked_at")),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(MATRIX), ids=lambda key: f"{key[0]}-{key[1]}")
def test_access(client, matrix_world, key, role):
    name, method = key
    args, expected = MATRIX[key]
    user = _user(matrix_world, role)
    if user is not None:
        client.force_login(user)
    url = reverse(name, args=args(matrix_world))
    before = _snapshot()
    response = getattr(client, method)(url, {"language": "en"} if name == "set_language" else {})
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == want, f"{role} {method.upper()} {name}"
    # Issuing an invitation and stopping one's calendar address take no data: the button is the request.
    if name not in ("service:new_invitation", "calendars:revoke"):
        assert _snapshot() == before, "an empty request changed a period, a licence, feedback or a calendar"
