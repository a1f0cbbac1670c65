"""12345 hotline work orders imported from the spreadsheet the hotline exports: all rows or none.

Each row becomes a consultation (``ContactRecord``, source "hotline") with its reply deadline: the sheet's, or
``BUTLER_HOTLINE_REPLY_DAYS`` working days after the order came in. A work order already imported is left as
it is, so the same export can be imported again. A company named by a registered credit code is linked at
once; the others are linked when the company registers.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from butler.contactlog.models import ContactRecord
from butler.contactlog.services import enquiry_record
from companies.imports import Column, RowError, SheetErrors, parse_date, parse_moment, sheet_rows
from companies.workdays import add_working_days

COLUMNS = (
    Column("work_order", ("工单编号", "work order number", "工单号", "work order")),
    Column("received_at", ("受理时间", "received at", "来电时间", "登记时间")),
    Column("enquirer_name", ("来电人", "caller", "诉求人", "联系人")),
    Column("enquirer_phone", ("联系电话", "phone", "来电号码", "电话")),
    Column("enquirer_company", ("企业名称", "company", "单位名称"), required=False),
    Column("enquirer_credit_code", ("统一社会信用代码", "credit code", "信用代码"), required=False),
    Column("summary", ("诉求内容", "request", "工单内容", "内容")),
    Column("reply_by", ("答复期限", "reply by", "办理时限", "回复期限"), required=False),
)


@dataclass
class HotlineImport:
    created: int
    already: int = 0  # work orders imported before, left as they are
    errors: list[RowError] = field(default_factory=list)


class _Refused(Exception):
    pass


def hotline_import(*, actor: AbstractBaseUser, uploaded) -> HotlineImport:
    """Import the work orders of ``uploaded``, or none when any row is wrong (each problem named by line and
    column). ``ValidationError`` for a file that cannot be read as a table."""
    rows, labels = sheet_rows(uploaded, COLUMNS)
    errors = SheetErrors(labels)
    error = errors.add

    known = set(
        ContactRecord.objects.filter(work_order__in=[row.values["work_order"] for row in rows]).values_list(
            "work_order", flat=True
        )
    )
    seen: dict[str, int] = {}
    todo = []
    now = timezone.now()
    for row in rows:
        values = dict(row.values)
        number = values.pop("work_order")
        if not number:
            error(row.line, "work_order", _("Every work order has its number."))
            continue
        if number in seen:
            error(
                row.line, "work_order", _("The same work order is on line %(line)s.") % {"line": seen[number]}
            )
            continue
        seen[number] = row.line
        if number in known:
            continue
        try:
            received = timezone.make_aware(parse_moment(values.pop("received_at")))
        except ValueError:
            error(row.line, "received_at", _("Write the time as 2026-03-05 09:12."))
            continue
        if received > now:
            error(row.line, "received_at", _("This time has not come yet."))
            continue
        reply_by = values.pop("reply_by", "")
        try:
            reply_by = parse_date(reply_by) if reply_by else None
        except ValueError:
            error(row.line, "reply_by", _("Write the date as 2026-03-12."))
            continue
        if reply_by is None:
            reply_by = add_working_days(
                timezone.localtime(received).date(), settings.BUTLER_HOTLINE_REPLY_DAYS
            )
        todo.append((row.line, number, received, reply_by, values))
    if errors:
        return HotlineImport(created=0, errors=errors)
    try:
        with transaction.atomic():
            for line, number, received, reply_by, values in todo:
                try:
                    enquiry_record(
                        actor=actor,
                        channel=ContactRecord.Channel.PHONE,
                        source=ContactRecord.Source.HOTLINE,
                        work_order=number,
                        occurred_at=received,
                        reply_by=reply_by,
                        **values,
                    )
                except ValidationError as refused:
                    for name, messages in refused.message_dict.items():
                        for message in messages:
                            error(line, name if name in labels else "", message)
            if errors:
                raise _Refused
    except _Refused:
        return HotlineImport(created=0, errors=errors)
    return HotlineImport(created=len(todo), already=len(rows) - len(todo))
