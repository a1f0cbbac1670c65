"""The volume's service, written by set-based SQL from the plan's temporary table: the butlers' contact log
with its return visits, ratings with an audit case for each bad one, suggestions with their cases, and the
message threads of the last weeks.

``ServiceWriting`` is mixed into ``butler.demo.volume_writer.Writer``, whose timing, manager and day it uses.
"""

from butler.contactlog.models import ContactRecord
from butler.demo.data import CONTACTS, OUTCOMES, QUESTIONS
from butler.demo.volume_data import BAD_COMMENTS, CLOSING, GOOD_COMMENTS, SUGGESTIONS
from butler.demo.volume_sql import Indexes, hashed, insert_select, pick
from butler.feedback.models import AuditCase, Rating, Suggestion
from butler.messaging.models import Message, MessageThread


class ServiceWriting:
    """The writer's contact log, feedback and messages (mixed into ``Writer``)."""

    def contact_records(self) -> None:
        """One to three contacts a period, on working days of it; a quarter promised a return visit, made
        unless it fell due in the last two days."""
        key = "p.id * 10 + g.i"
        channels = [channel for channel, _ in CONTACTS]
        summaries = [summary for _, summary in CONTACTS]
        day = "(p.start_date + 1 + mod(" + hashed(key, 31) + ", greatest(x.span - 1, 1)))"
        hour = f"make_time(9 + mod({hashed(key, 32)}, 8)::int, 5 + mod({hashed(key, 33)}, 50)::int, 0)"
        occurred = f"(({day} + {hour}) AT TIME ZONE %(tz)s)"
        revisit = f"mod({hashed(key, 34)}, 4) = 0"
        due = f"({day} + 3)"
        done = f"{due} < %(today)s::date - 2"
        index = Indexes(ContactRecord._meta.db_table)
        index.drop()
        self.timed(
            ContactRecord._meta.db_table,
            lambda: insert_select(
                ContactRecord,
                {
                    "company_id": "p.id",
                    "period_id": "p.period_id",
                    "recorded_by_id": "p.butler_user",
                    "channel": pick(channels, key, 36),  # the same draw as the summary: they go together
                    "occurred_at": f"least({occurred}, %(now)s - interval '1 hour')",
                    "participants": "''",
                    "summary": pick(summaries, key, 36),
                    "important": revisit,
                    "return_visit_due": f"CASE WHEN {revisit} THEN {due} END",
                    "return_visit_done_at": f"CASE WHEN {revisit} AND {done} THEN ({due} + time '15:00') "
                    "AT TIME ZONE %(tz)s END",
                    "return_visit_outcome": f"CASE WHEN {revisit} AND {done} THEN {pick(OUTCOMES, key, 37)} "
                    "ELSE '' END",
                },
                "seed_plan AS p CROSS JOIN LATERAL (SELECT least(p.end_date, %(today)s::date) - p.start_date "
                "AS span) AS x CROSS JOIN LATERAL generate_series(1, CASE WHEN x.span > 2 THEN "
                f"1 + mod({hashed('p.id', 30)}, 3)::int ELSE 0 END) AS g(i)",
                {"today": self.today, "now": self.now, "tz": self.tz},
            ),
        )
        self.timed(f"{ContactRecord._meta.db_table} (indexes)", lambda: index.build() or 0)

    def feedback(self) -> None:
        """A rating from about one company in three with a portal account (of the period that ended, or of
        the butler in service), mostly ★5; an audit case for each bad one (closed after three weeks, else
        at verification); suggestions from one company in forty, each with its case."""
        stars = f"mod({hashed('p.id', 41)}, 100)"
        overall = (
            f"CASE WHEN {stars} < 72 THEN 5 WHEN {stars} < 86 THEN 4 WHEN {stars} < 93 THEN 3 "
            f"WHEN {stars} < 97 THEN 2 ELSE 1 END"
        )
        rated = (
            "least(CASE WHEN p.active THEN ((p.start_date + 14 + mod(p.id, 60)::int) + time '20:15') "
            "ELSE ((p.end_date + 1 + mod(p.id, 5)::int) + time '19:40') END AT TIME ZONE %(tz)s, "
            "%(now)s - interval '2 hours')"
        )
        good_comments = pick(GOOD_COMMENTS, "p.id", 42)
        bad_comments = pick(BAD_COMMENTS, "p.id", 43)
        params = {"tz": self.tz, "now": self.now, "today": self.today}
        self.timed(
            Rating._meta.db_table,
            lambda: insert_select(
                Rating,
                {
                    "kind": "CASE WHEN p.active THEN 'butler' ELSE 'period' END",
                    "company_id": "p.id",
                    "contact_id": "p.contact_id",
                    "rated_by_id": "p.portal_user",
                    "butler_id": "p.butler_id",
                    "period_id": "p.period_id",
                    "matter_key": "CASE WHEN p.active THEN 'butler:' ELSE 'period:' END || p.period_id",
                    "overall": "x.overall",
                    "efficiency": "CASE WHEN mod(p.id, 4) = 0 THEN NULL ELSE x.overall END",
                    "service_level": "CASE WHEN mod(p.id, 4) = 0 THEN NULL ELSE greatest(x.overall, 3) END",
                    "attitude": "CASE WHEN mod(p.id, 4) = 0 THEN NULL ELSE x.overall END",
                    "comment": f"CASE WHEN x.overall <= 2 THEN {bad_comments} ELSE {good_comments} END",
                    "created_at": rated,
                },
                f"seed_plan AS p CROSS JOIN LATERAL (SELECT {overall} AS overall) AS x "
                f"WHERE p.portal_user IS NOT NULL AND mod({hashed('p.id', 40)}, 9) < 5",
                params,
            ),
        )
        manager = self.manager_id
        closed = "r.created_at < %(now)s - interval '21 days'"
        case_values = {
            "company_id": "r.company_id",
            "concerns_id": "r.butler_id",
            "opened_at": "r.created_at",
            "step": f"CASE WHEN {closed} THEN 'closed' ELSE 'verify' END",
            "step_due": f"CASE WHEN {closed} THEN NULL ELSE (r.created_at AT TIME ZONE %(tz)s)::date + 3 END",
            "handler_id": f"CASE WHEN {closed} THEN {manager} END",
            "verified_at": f"CASE WHEN {closed} THEN r.created_at + interval '1 day' END",
            "verification_note": f"CASE WHEN {closed} THEN '已电话联系企业核实情况' ELSE '' END",
            "finding": f"CASE WHEN {closed} THEN "
            "CASE WHEN mod(r.id, 3) = 0 THEN 'explained' ELSE 'valid' END ELSE '' END",
            "finding_reason": f"CASE WHEN {closed} THEN '经核实，情况属实' ELSE '' END",
            "classified_at": f"CASE WHEN {closed} THEN r.created_at + interval '2 days' END",
            "classified_by_id": f"CASE WHEN {closed} THEN {manager} END",
            "rectify_due": f"CASE WHEN {closed} THEN (r.created_at AT TIME ZONE %(tz)s)::date + 21 END",
            "rectification": f"CASE WHEN {closed} THEN '已对窗口人员进行提醒并完善一次性告知单' ELSE '' END",
            "rectified_at": f"CASE WHEN {closed} THEN r.created_at + interval '8 days' END",
            "rectified_by_id": f"CASE WHEN {closed} THEN {manager} END",
            "return_visit_at": f"CASE WHEN {closed} THEN r.created_at + interval '10 days' END",
            "return_visit_note": f"CASE WHEN {closed} THEN '{CLOSING}' ELSE '' END",
            "closed_at": f"CASE WHEN {closed} THEN r.created_at + interval '11 days' END",
            "closed_by_id": f"CASE WHEN {closed} THEN {manager} END",
            "closing_note": f"CASE WHEN {closed} THEN '整改到位，结案' ELSE '' END",
        }
        self.timed(
            f"{AuditCase._meta.db_table} (ratings)",
            lambda: insert_select(
                AuditCase,
                {"rating_id": "r.id", **case_values},
                "butler_rating AS r JOIN seed_plan AS p ON p.id = r.company_id WHERE r.overall <= 2",
                params,
            ),
        )
        categories = [category for category, _ in SUGGESTIONS]
        texts = [text for _, text in SUGGESTIONS]
        self.timed(
            Suggestion._meta.db_table,
            lambda: insert_select(
                Suggestion,
                {
                    "company_id": "p.id",
                    "contact_id": "p.contact_id",
                    "submitted_by_id": "p.portal_user",
                    "source": "'portal'",
                    "category": pick(categories, "p.id", 51),
                    "text": pick(texts, "p.id", 51),
                    "butler_id": "CASE WHEN p.active THEN p.butler_id END",
                    "created_at": "least(((least(p.end_date, %(today)s::date) - mod(p.id, 20)::int) "
                    "+ time '11:20') AT TIME ZONE %(tz)s, %(now)s - interval '3 hours')",
                },
                f"seed_plan AS p WHERE p.portal_user IS NOT NULL AND mod({hashed('p.id', 50)}, 40) = 0",
                params,
            ),
        )
        self.timed(
            f"{AuditCase._meta.db_table} (suggestions)",
            lambda: insert_select(
                AuditCase,
                {"suggestion_id": "r.id", **case_values, "concerns_id": "NULL"},
                "butler_suggestion AS r JOIN seed_plan AS p ON p.id = r.company_id",
                params,
            ),
        )

    def messages(self) -> None:
        """One company in ten in service wrote to its butler in the last three weeks; most were answered
        within hours, the newest wait (they show on the butler's Today page)."""
        key = "p.id"
        asked = (
            f"least(((%(today)s::date - mod({hashed(key, 61)}, 21)) + make_time(9 + mod(p.id, 7)::int, "
            "mod(p.id, 60)::int, 0)) AT TIME ZONE %(tz)s, %(now)s - interval '10 minutes')"
        )
        answered = f"mod({hashed(key, 62)}, 10) < 7"
        reply = f"(x.asked + make_interval(mins => 20 + mod({hashed(key, 63)}, 200)::int))"
        params = {"today": self.today, "tz": self.tz, "now": self.now}
        subjects = [q[0] for q in QUESTIONS]
        self.timed(
            MessageThread._meta.db_table,
            lambda: insert_select(
                MessageThread,
                {
                    "company_id": "p.id",
                    "subject": pick(subjects, key, 64),
                    "started_by_id": "p.portal_user",
                    "created_at": "x.asked",
                    "last_message_at": f"CASE WHEN x.answered THEN least({reply}, %(now)s) ELSE x.asked END",
                    "awaiting_window": "NOT x.answered",
                    "company_read_at": f"CASE WHEN x.answered THEN least({reply}, %(now)s) ELSE x.asked END",
                    "window_read_at": f"CASE WHEN x.answered THEN least({reply}, %(now)s) END",
                    "first_response_minutes": f"CASE WHEN x.answered THEN 20 + mod({hashed(key, 63)}, 200) "
                    "END",
                },
                f"seed_plan AS p CROSS JOIN LATERAL (SELECT {asked} AS asked, {answered} AS answered) AS x "
                f"WHERE p.active AND p.portal_user IS NOT NULL AND mod({hashed(key, 60)}, 10) = 0",
                params,
            ),
        )
        questions = [q[1] for q in QUESTIONS]
        answers = [q[2] for q in QUESTIONS]
        self.timed(
            Message._meta.db_table,
            lambda: insert_select(
                Message,
                {
                    "thread_id": "t.id",
                    "author_id": "CASE WHEN m.n = 1 THEN p.portal_user ELSE p.butler_user END",
                    "from_company": "m.n = 1",
                    "body": f"CASE WHEN m.n = 1 THEN {pick(questions, 'p.id', 64)} ELSE "
                    f"{pick(answers, 'p.id', 64)} END",
                    "created_at": "CASE WHEN m.n = 1 THEN t.created_at ELSE t.last_message_at END",
                },
                "butler_messagethread AS t JOIN seed_plan AS p ON p.id = t.company_id "
                "CROSS JOIN LATERAL "
                "generate_series(1, CASE WHEN t.awaiting_window THEN 1 ELSE 2 END) AS m(n)",
                params,
            ),
        )
