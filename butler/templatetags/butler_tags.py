from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from butler.service.days_left import days_left as period_days_left
from butler.service.models import ReminderRule
from companies.phones import tel_uri

register = template.Library()


@register.filter
def tel(value: str) -> str:
    """A ``tel:`` URI for one-tap calls."""
    return tel_uri(value)


@register.inclusion_tag("partials/_days_left.html")
def days_left(period, today=None):
    return vars(period_days_left(period, today or timezone.localdate()))


@register.inclusion_tag("partials/_status.html")
def period_status(period):
    tones = {"active": "success", "completed": "secondary", "transferred": "info", "ended_early": "warning"}
    return {"label": period.get_status_display(), "tone": tones.get(period.status, "secondary")}


@register.filter
def percent(value) -> str:
    """0.425 → 42.5%, localised."""
    if value is None:
        return "—"
    return f"{number_format(round(value * 100, 1), decimal_pos=1)}%"  # rounded: number_format cuts


@register.filter
def reminder_kind(value: str) -> str:
    """What a reminder is about, in words: obtain_by → "Deadline to obtain a licence"."""
    if value == "message":
        return _("New message")
    return str(dict(ReminderRule.Kind.choices).get(value, value))


@register.filter
def label_detail(label: str) -> str:
    """A reminder's label without the company's name: "顺达物流 · 道路运输证 · 浙B12345" → the rest."""
    return label.split(" · ", 1)[1] if " · " in label else label
