"""What the volume's companies run, written by set-based SQL from the plan's temporary table: vehicles with
plates of their city, drivers, escorts and loaders, vessels; every licence the catalogue calls for at a stage
that fits the company's time with the window; and the reminders of the renewal and obtain-by dates as the
engine plans them from the rules, the past ones sent.

``LicenceWriting`` is mixed into ``butler.demo.volume_writer.Writer``, whose timing, ids and day it uses.
"""

from django.conf import settings

from butler.demo.data import GIVEN_NAMES, MASSES, MOBILE_PREFIXES, SURNAMES, VESSEL_NAMES
from butler.demo.volume_sql import Indexes, hashed, insert_select, int_array, pick, plate_body
from butler.service.models import ReminderRule
from companies.models import CompanyLicence, LicenceScope, LicenceType, Obligation, Person, Vehicle, Vessel
from reminders.models import Reminder


class LicenceWriting:
    """The writer's fleets, licences and reminders (mixed into ``Writer``)."""

    def subjects(self) -> None:
        surnames = [s for s, _ in SURNAMES]
        given = [g for g, _ in GIVEN_NAMES]
        masses = {kind: [m for m in MASSES[kind] if m > 4500] for kind in ("truck", "tractor", "tank_truck")}
        indexes = [Indexes(Vehicle._meta.db_table), Indexes(Person._meta.db_table)]
        for index in indexes:
            index.drop()
        self.timed(
            Vehicle._meta.db_table,
            lambda: insert_select(
                Vehicle,
                {
                    "company_id": "p.id",
                    "plate": f"'浙' || p.letter || {plate_body('p.plate_base + g.i - 1')}",
                    "vehicle_type": "CASE WHEN p.vehicle_kind <> 'truck' THEN p.vehicle_kind "
                    "WHEN g.i <= p.tankers THEN 'tanker' WHEN mod(g.i, 5) = 0 THEN 'tractor' "
                    "ELSE 'truck' END",
                    "total_mass_kg": "CASE p.vehicle_kind "
                    f"WHEN 'bus' THEN ({int_array(MASSES['bus'])})[1 + mod(g.i, {len(MASSES['bus'])})] "
                    "WHEN 'training' THEN "
                    f"({int_array(MASSES['training'])})[1 + mod(g.i, {len(MASSES['training'])})] "
                    "ELSE CASE WHEN g.i <= p.tankers THEN "
                    f"({int_array(masses['tank_truck'])})[1 + mod(g.i, {len(masses['tank_truck'])})] "
                    f"WHEN mod(g.i, 5) = 0 THEN ({int_array(masses['tractor'])})[1 + mod(g.i, "
                    f"{len(masses['tractor'])})] ELSE ({int_array(masses['truck'])})"
                    f"[1 + mod({hashed('p.id * 1000 + g.i', 1)}, {len(masses['truck'])})] END END",
                },
                "seed_plan AS p CROSS JOIN LATERAL generate_series(1, p.vehicles) AS g(i)",
            ),
        )
        person_key = "p.id * 1000 + g.i"
        self.timed(
            Person._meta.db_table,
            lambda: insert_select(
                Person,
                {
                    "company_id": "p.id",
                    "name": f"{pick(surnames, person_key, 2)} || {pick(given, person_key, 3)}",
                    "role": "CASE WHEN g.i <= p.drivers THEN 'driver' "
                    "WHEN g.i <= p.drivers + p.escorts THEN 'escort' ELSE 'loader' END",
                    "mobile": f"CASE WHEN mod({hashed(person_key, 4)}, 100) < 85 THEN "
                    f"{pick(MOBILE_PREFIXES, person_key, 5)} || "
                    f"lpad(mod({hashed(person_key, 6)}, 100000000)::text, 8, '0') ELSE '' END",
                },
                "seed_plan AS p "
                "CROSS JOIN LATERAL generate_series(1, p.drivers + p.escorts + p.loaders) AS g(i)",
            ),
        )
        self.timed(
            Vessel._meta.db_table,
            lambda: insert_select(
                Vessel,
                {
                    "company_id": "p.id",
                    "name": f"{pick(VESSEL_NAMES, 'p.id * 10 + g.i', 7)} || (p.vessel_base + g.i)",
                    "registration_number": "p.region || lpad((p.vessel_base + g.i)::text, 6, '0')",
                },
                "seed_plan AS p CROSS JOIN LATERAL generate_series(1, p.vessels) AS g(i)",
            ),
        )
        for index in indexes:
            self.timed(f"{index.table} (indexes)", lambda index=index: index.build() or 0)

    def licences(self) -> None:
        """Every licence the plan calls for, at a stage that fits the company's time with the window.

        A company in its first service period (not holding licences before) is still obtaining some
        (required, in preparation, applied, materials missing, some past their deadline) and obtained the
        others during the period. The others hold their licences: expiries spread over the validity, so
        renewals fall due all through the year, some renewal due or applied, a few lapsed. Filings never
        expire. Now and then a person left (withdrawn) or a licence was set aside (not required).
        """
        catalogue = {lt.code: lt for lt in LicenceType.objects.all()}
        by_scope = {
            scope: next((lt for lt in catalogue.values() if lt.scope == scope), None)
            for scope in (LicenceScope.VEHICLE, LicenceScope.PERSON, LicenceScope.VESSEL)
        }
        vehicle_type = catalogue.get("vehicle_certificate") or by_scope[LicenceScope.VEHICLE]
        person_type = catalogue.get("driver_qualification") or by_scope[LicenceScope.PERSON]
        vessel_type = catalogue.get("ship_certificate") or by_scope[LicenceScope.VESSEL]
        sources = [
            "SELECT DISTINCT cbt.company_id, lt.id AS type_id, 'company' AS subject_key, NULL::bigint AS "
            "vehicle_id, NULL::bigint AS person_id, NULL::bigint AS vessel_id, 0::bigint AS sid "
            "FROM companies_company_business_types cbt JOIN companies_licencetype_business_types ltb "
            "ON ltb.businesstype_id = cbt.businesstype_id JOIN companies_licencetype lt "
            "ON lt.id = ltb.licencetype_id AND lt.scope = 'company' "
            "JOIN seed_plan sp ON sp.id = cbt.company_id"
        ]
        if vehicle_type:
            sources.append(
                f"SELECT v.company_id, {vehicle_type.pk}, 'vehicle:' || v.id, v.id, NULL, NULL, v.id "  # noqa: S608 - a primary key
                "FROM companies_vehicle v JOIN seed_plan sp ON sp.id = v.company_id "
                "WHERE v.vehicle_type <> 'training'"
            )
        if person_type:
            sources.append(
                f"SELECT pe.company_id, {person_type.pk}, 'person:' || pe.id, NULL, pe.id, NULL, pe.id "  # noqa: S608 - a primary key
                "FROM companies_person pe JOIN seed_plan sp ON sp.id = pe.company_id"
            )
        if vessel_type:
            sources.append(
                f"SELECT ve.company_id, {vessel_type.pk}, 'vessel:' || ve.id, NULL, NULL, ve.id, ve.id "  # noqa: S608 - a primary key
                "FROM companies_vessel ve JOIN seed_plan sp ON sp.id = ve.company_id"
            )
        key = "s.company_id * 1000003 + s.sid * 31 + s.type_id"
        u = f"mod({hashed(key, 11)}, 10000)"
        # The stage: a company in its first period (not holding licences before) is still obtaining some
        # (most of them before the deadline; after it a few stay outstanding), the rest it obtained during
        # the period; the others' licences are held, expiries spread over their validity.
        within = "coalesce(lt.obtain_within_days, 60)"
        stage = (
            f"CROSS JOIN LATERAL (SELECT {u} AS u, {hashed(key, 13)} AS w, "
            f"mod({hashed(key, 14)}, 100) AS v) AS x "
            "CROSS JOIN LATERAL (SELECT p.active AND NOT p.established AS fresh, "
            "p.active AND NOT p.established AND x.u < "
            f"CASE WHEN p.start_date + {within} >= %(today)s::date THEN 4500 ELSE 250 END AS open) AS y "
        )
        months = "make_interval(months => lt.validity_months)"
        fresh_issued = "(p.start_date + mod(x.w, greatest(%(today)s::date - p.start_date, 1)))"
        held_expires = "(%(today)s::date - 20 + mod(x.w, lt.validity_months * 30))"
        dates = (
            "CROSS JOIN LATERAL (SELECT "
            "CASE WHEN y.open THEN NULL "
            f"WHEN y.fresh THEN {fresh_issued} "
            "WHEN lt.validity_months IS NULL THEN p.start_date - mod(x.w, 400) "
            f"ELSE ({held_expires} - {months})::date END AS issued, "
            "CASE WHEN lt.validity_months IS NULL OR y.open THEN NULL "
            f"WHEN y.fresh THEN ({fresh_issued} + {months})::date "
            f"ELSE {held_expires} END AS expires) AS d"
        )
        to_obtain = "y.open"
        renew_by = "d.expires - lt.renew_days_before"
        # Most companies apply for renewal in time: past the last day to apply, few have not; past expiry,
        # a few lapsed.
        status = (
            "CASE WHEN x.u >= 9900 THEN "
            "CASE WHEN s.person_id IS NOT NULL THEN 'withdrawn' ELSE 'not_required' END "
            "WHEN y.open THEN CASE WHEN x.v < 27 THEN 'required' WHEN x.v < 49 THEN 'preparing' "
            "WHEN x.v < 73 THEN 'applied' ELSE 'missing' END "
            "WHEN d.expires IS NULL THEN 'issued' "
            "WHEN d.expires < %(today)s THEN CASE WHEN x.v < 20 THEN 'expired' ELSE 'renewal_applied' END "
            f"WHEN {renew_by} < %(today)s THEN "
            "CASE WHEN x.v < 15 THEN 'renewal_due' ELSE 'renewal_applied' END "
            f"WHEN {renew_by} <= %(today)s::date + %(notice)s "
            "THEN CASE WHEN x.v < 70 THEN 'renewal_due' ELSE 'renewal_applied' END "
            "ELSE 'issued' END"
        )
        accepted = "CASE WHEN x.v >= 49 THEN greatest(p.start_date, %(today)s::date - mod(x.w, 10)) END"
        scope_numbers = (
            "CASE lt.scope "
            "WHEN 'company' THEN '浙交运管许可字' || p.region || lpad(mod(x.w, 1000000)::text, 6, '0') "
            "WHEN 'vehicle' THEN p.region || lpad(mod(x.w, 100000000)::text, 8, '0') "
            "WHEN 'person' THEN '浙交从业' || lpad(mod(x.w, 1000000000)::text, 9, '0') "
            "ELSE '浙船营运' || lpad(mod(x.w, 1000000)::text, 6, '0') END"
        )
        issued_now = "NOT y.open AND x.u < 9900"
        index = Indexes(CompanyLicence._meta.db_table)
        index.drop()
        self.timed(
            CompanyLicence._meta.db_table,
            lambda: insert_select(
                CompanyLicence,
                {
                    "company_id": "s.company_id",
                    "licence_type_id": "s.type_id",
                    "vehicle_id": "s.vehicle_id",
                    "person_id": "s.person_id",
                    "vessel_id": "s.vessel_id",
                    "subject_key": "s.subject_key",
                    "status": status,
                    "certificate_number": f"CASE WHEN {issued_now} THEN {scope_numbers} ELSE '' END",
                    "channel": f"CASE WHEN {issued_now} OR (y.open AND x.v >= 49) THEN "
                    f"{pick(['window', 'online', 'mobile', 'window'], key, 12)} ELSE '' END",
                    "accepted_on": f"CASE WHEN {to_obtain} THEN {accepted} END",
                    "statutory_due_on": f"CASE WHEN {to_obtain} THEN {accepted} + "
                    "(coalesce(lt.statutory_limit_days, 20) * 7 / 5) END",
                    "committed_due_on": f"CASE WHEN {to_obtain} THEN {accepted} + "
                    "(coalesce(lt.committed_limit_days, 5) * 7 / 5) END",
                    "missing_noted_on": f"CASE WHEN {to_obtain} AND x.v >= 73 THEN {accepted} + 2 END",
                    "issued_on": "CASE WHEN x.u < 9900 THEN d.issued END",
                    "first_issued_on": "CASE WHEN x.u < 9900 THEN d.issued END",
                    "expires_on": "CASE WHEN x.u < 9900 THEN d.expires END",
                    "renew_by": "CASE WHEN x.u < 9900 THEN d.expires - lt.renew_days_before END",
                    "obtain_by": "CASE WHEN p.established THEN NULL "
                    "ELSE p.start_date + coalesce(lt.obtain_within_days, 60) END",
                    "notes": f"CASE WHEN {to_obtain} AND x.v >= 73 THEN '已一次性告知需补正的材料' "
                    "ELSE '' END",
                    "updated_at": "%(now)s",
                },
                f"({' UNION ALL '.join(sources)}) AS s "
                "JOIN seed_plan AS p ON p.id = s.company_id "
                "JOIN companies_licencetype AS lt ON lt.id = s.type_id "
                f"{stage}{dates}",
                {
                    "today": self.today,
                    "now": self.now,
                    "notice": getattr(settings, "BUTLER_RENEWAL_NOTICE_DAYS", 30),
                },
            ),
        )
        self.timed(f"{CompanyLicence._meta.db_table} (indexes)", lambda: index.build() or 0)

    def obligations(self) -> None:
        """Every vehicle's and person's periodic obligations, as the plan derives them from the company's
        business types, the vehicle type and the role: next dates spread over the coming year, a few
        overdue, one in ten not given yet (undated)."""
        key = "s.subject_id * 31 + s.type_id"
        source = (
            "SELECT v.company_id, ot.id AS type_id, 'vehicle:' || v.id AS subject_key, v.id AS vehicle_id, "
            "NULL::bigint AS person_id, v.id AS subject_id "
            "FROM companies_vehicle v JOIN seed_plan sp ON sp.id = v.company_id "
            "JOIN companies_company_business_types cbt ON cbt.company_id = v.company_id "
            "JOIN companies_obligationtype_business_types otb ON otb.businesstype_id = cbt.businesstype_id "
            "JOIN companies_obligationtype ot ON ot.id = otb.obligationtype_id AND ot.scope = 'vehicle' "
            "WHERE v.vehicle_type <> 'training' AND (ot.vehicle_types = '' "
            "OR v.vehicle_type = ANY(string_to_array(replace(ot.vehicle_types, ' ', ''), ','))) "
            "UNION "
            "SELECT pe.company_id, ot.id, 'person:' || pe.id, NULL, pe.id, pe.id "
            "FROM companies_person pe JOIN seed_plan sp ON sp.id = pe.company_id "
            "JOIN companies_company_business_types cbt ON cbt.company_id = pe.company_id "
            "JOIN companies_obligationtype_business_types otb ON otb.businesstype_id = cbt.businesstype_id "
            "JOIN companies_obligationtype ot ON ot.id = otb.obligationtype_id AND ot.scope = 'person' "
            "WHERE ot.person_roles = '' "
            "OR pe.role = ANY(string_to_array(replace(ot.person_roles, ' ', ''), ','))"
        )
        spread = f"%(today)s::date - 20 + mod({hashed(key, 32)}, 385)"
        due = f"CASE WHEN mod({hashed(key, 31)}, 10) = 0 THEN NULL ELSE {spread} END"
        index = Indexes(Obligation._meta.db_table)
        index.drop()
        self.timed(
            Obligation._meta.db_table,
            lambda: insert_select(
                Obligation,
                {
                    "company_id": "s.company_id",
                    "obligation_type_id": "s.type_id",
                    "vehicle_id": "s.vehicle_id",
                    "person_id": "s.person_id",
                    "subject_key": "s.subject_key",
                    "due_on": "d.due_on",
                    "last_done_on": "(d.due_on - interval '1 year')::date",
                    "updated_at": "%(now)s",
                },
                f"({source}) AS s CROSS JOIN LATERAL (SELECT {due} AS due_on) AS d",
                {"today": self.today, "now": self.now},
            ),
        )
        self.timed(f"{Obligation._meta.db_table} (indexes)", lambda: index.build() or 0)

    def reminders(self) -> None:
        """The reminders of the renewal and obtain-by dates and of the fleet's obligations, as the engine
        plans them from the rules: to the company's portal account and, while a period is active, to its
        butler; past ones sent (a few SMS failed), those ahead pending. One channel a reminder: the earlier
        ones in the portal, the last ones by e-mail or SMS. Only reminders from the company's first visit
        on."""
        rules = {
            rule.kind: rule.offsets
            for rule in ReminderRule.objects.filter(
                kind__in=[
                    ReminderRule.Kind.RENEW_BY,
                    ReminderRule.Kind.OBTAIN_BY,
                    ReminderRule.Kind.OBLIGATION_DUE,
                ],
                licence_type=None,
                active=True,
            )
        }
        offsets = [(kind, days) for kind, days_list in rules.items() for days in days_list if days >= 0]
        if not offsets:
            return
        values = ", ".join(f"('{kind}', {days})" for kind, days in offsets)
        base = self.base(Reminder)
        company_channel = (
            "CASE WHEN o.days >= 30 THEN 'in_app' WHEN o.days >= 7 AND p.has_email THEN 'email' "
            "ELSE 'sms' END"
        )
        scheduled = "(((k.due_on - o.days) + time '09:00') AT TIME ZONE %(tz)s)"
        sent = f"{scheduled} < %(now)s"
        failed = f"r.channel = 'sms' AND mod({hashed('k.sid * 8 + o.days', 21)}, 100) = 0"
        # The dates to remind: each licence's renewal and obtain-by dates, each open obligation's next date
        # (obligation ids moved past the licences' so that the two never share a hash).
        dates = (
            "SELECT 'licence:' || cl.id AS subject, cl.company_id, cl.id AS sid, k.kind, k.due_on, "
            "lt.name_zh AS what, coalesce(v.plate, pe.name, ve.name) AS whom "
            "FROM companies_companylicence AS cl "
            "JOIN companies_licencetype AS lt ON lt.id = cl.licence_type_id "
            "LEFT JOIN companies_vehicle AS v ON v.id = cl.vehicle_id "
            "LEFT JOIN companies_person AS pe ON pe.id = cl.person_id "
            "LEFT JOIN companies_vessel AS ve ON ve.id = cl.vessel_id "
            "CROSS JOIN LATERAL (VALUES "
            "('renew_by', CASE WHEN cl.status IN ('issued', 'renewal_due') THEN cl.renew_by END), "
            "('obtain_by', CASE WHEN cl.status IN ('required', 'preparing', 'applied', 'missing') "
            "AND cl.first_issued_on IS NULL THEN cl.obtain_by END)) AS k(kind, due_on) "
            "UNION ALL "
            "SELECT 'obligation:' || ob.id, ob.company_id, 1000000000000 + ob.id, 'obligation_due', "
            "ob.due_on, ot.name_zh, coalesce(v.plate, pe.name) "
            "FROM companies_obligation AS ob "
            "JOIN companies_obligationtype AS ot ON ot.id = ob.obligation_type_id "
            "LEFT JOIN companies_vehicle AS v ON v.id = ob.vehicle_id "
            "LEFT JOIN companies_person AS pe ON pe.id = ob.person_id "
            "WHERE ob.ended_on IS NULL"
        )
        source = (
            f"({dates}) AS k JOIN seed_plan AS p ON p.id = k.company_id "
            f"JOIN (VALUES {values}) AS o(kind, days) ON o.kind = k.kind "
            f"CROSS JOIN LATERAL (VALUES (p.portal_user, {company_channel}), "
            "(CASE WHEN p.active THEN p.butler_user END, 'in_app')) AS r(recipient, channel) "
            "WHERE k.due_on IS NOT NULL AND r.recipient IS NOT NULL AND k.due_on - o.days >= p.start_date"
        )
        inner = (
            "SELECT %(base)s + row_number() OVER () AS id, "  # noqa: S608 - our fragments, values are params
            "k.subject, k.company_id, k.kind, "
            f"k.due_on, o.days, r.channel, r.recipient, {scheduled} AS at, {sent} AS past, "
            f"({failed}) AS failed, p.name || ' · ' || k.what || coalesce(' · ' || k.whom, '') AS label, "
            "(p.start_date + time '10:00') AT TIME ZONE %(tz)s AS known "
            f"FROM {source}"
        )
        index = Indexes(Reminder._meta.db_table)
        index.drop()
        self.timed(
            Reminder._meta.db_table,
            lambda: insert_select(
                Reminder,
                {
                    "id": "q.id",
                    "subject": "q.subject",
                    "scope": "'company:' || q.company_id",
                    "label": "left(q.label, 200)",
                    "kind": "q.kind",
                    "due_on": "q.due_on",
                    "offset_days": "q.days",
                    "channel": "q.channel",
                    "recipient_id": "q.recipient",
                    "scheduled_at": "q.at",
                    "status": "CASE WHEN q.past AND q.failed THEN 'failed' WHEN q.past THEN 'sent' "
                    "ELSE 'pending' END",
                    "attempts": "CASE WHEN q.past AND q.failed THEN 5 WHEN q.past THEN 1 ELSE 0 END",
                    "last_error": "CASE WHEN q.past AND q.failed THEN 'SMS gateway: 503 Service Unavailable' "
                    "ELSE '' END",
                    "provider_message_id": "CASE WHEN q.past AND NOT q.failed AND q.channel <> 'in_app' "
                    "THEN 'seed-' || q.id ELSE '' END",
                    "sent_at": "CASE WHEN q.past AND NOT q.failed THEN q.at + interval '4 seconds' END",
                    "created_at": "least(%(now)s, greatest(q.known, q.at - interval '61 days'))",
                },
                f"({inner}) AS q",
                {"base": base, "now": self.now, "tz": self.tz},
            ),
        )
        self.timed(f"{Reminder._meta.db_table} (indexes)", lambda: index.build() or 0)
