"""What companies say about the service and what the window does with it.

- ``Rating``: the national five-level scale (好差评), given by a company contact for a matter (a licence
  issued), a service period that ended, or the butler. Once given it is never changed or deleted.
- ``Suggestion`` (意见建议): given on the portal or recorded by the butler on the company's behalf; also kept
  as given.
- ``AuditCase``: every bad rating (★1–2) and every suggestion opens one: verify → classify → rectify →
  return visit → close, each step with a deadline in working days.
- ``ImprovementAction``: what the window changes because of one or more cases, optionally a catalogue change
  whose effect is measured in materials.
- ``CentrePush``: a rating on its way to the provincial rating centre, with the centre's answer.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from butler.contactlog.models import ContactRecord
from butler.service.models import Butler, ServicePeriod
from companies.models import Company, CompanyLicence, Contact, LicenceType
from companies.models.language import BilingualName


class Stars(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    BASICALLY_SATISFIED = 3, _("Basically satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


BAD_STARS = (1, 2)  # ★1–2 is a bad rating (差评)


class RatingTag(BilingualName, models.Model):
    """An evaluation tag shown under the levels it fits (好差评 评价标签): what went well under ★4–5, what
    went wrong under ★1–2; ★3 shows both. Catalogue data, edited in the admin."""

    class Polarity(models.TextChoices):
        GOOD = "good", _("What went well (★3–5)")
        BAD = "bad", _("What went wrong (★1–3)")

    polarity = models.CharField(_("shown for"), max_length=4, choices=Polarity.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=30)
    name_en = models.CharField(_("name (English)"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("offered"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["polarity", "position", "id"]
        verbose_name = _("evaluation tag")
        verbose_name_plural = _("evaluation tags")

    def __str__(self) -> str:
        return self.name

    def fits(self, stars: int) -> bool:
        return stars <= 3 if self.polarity == self.Polarity.BAD else stars >= 3


class FeedbackImmutable(Exception):
    """A company's rating or suggestion stays as it was given: nobody changes or deletes it."""


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise FeedbackImmutable("feedback cannot be changed")

    def delete(self):
        raise FeedbackImmutable("feedback cannot be deleted")


class ImmutableFeedback(models.Model):
    """Written once. The database refuses changes too (a trigger, see the migration)."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise FeedbackImmutable(f"{self._meta.verbose_name} cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise FeedbackImmutable(f"{self._meta.verbose_name} cannot be deleted")


def _stars(verbose_name, *, required: bool = False):
    return models.PositiveSmallIntegerField(
        verbose_name, choices=Stars.choices, null=not required, blank=not required
    )


class Rating(ImmutableFeedback):
    class Kind(models.TextChoices):
        MATTER = "matter", _("A licence issued")
        PERIOD = "period", _("The butler service period")
        BUTLER = "butler", _("The butler")
        VISIT = "visit", _("A visit to the window, on the spot")

    kind = models.CharField(_("what is rated"), max_length=8, choices=Kind.choices)
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("company")
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ratings",
        verbose_name=_("contact"),
        help_text=_("Empty for a rating given on the spot at the counter, without signing in."),
    )
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rated by"),
    )
    butler = models.ForeignKey(
        Butler,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ratings",
        verbose_name=_("butler"),
        help_text=_("The butler whose service the rating concerns."),
    )
    period = models.ForeignKey(
        ServicePeriod,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ratings",
        verbose_name=_("service period"),
    )
    licence = models.ForeignKey(
        CompanyLicence,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ratings",
        verbose_name=_("licence"),
    )
    matter_key = models.CharField(
        _("matter"), max_length=60, editable=False, help_text=_("licence:<id>:<issued on>, period:<id> …")
    )
    overall = _stars(_("overall"), required=True)
    efficiency = _stars(_("efficiency"))
    service_level = _stars(_("service level"))
    attitude = _stars(_("attitude"))
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    tags = models.ManyToManyField(RatingTag, blank=True, related_name="ratings", verbose_name=_("tags"))
    follows = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_up",
        verbose_name=_("re-rating of"),
        help_text=_("追评: the rater's one re-rating of the same matter, the final word in the figures."),
    )
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)

    history = HistoricalRecords(m2m_fields=[tags])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "matter_key"], name="one_rating_per_matter_and_contact"
            ),
            # On the spot, one rating per visit, whoever gives it.
            models.UniqueConstraint(
                fields=["matter_key"], condition=Q(kind="visit"), name="one_rating_per_visit"
            ),
            models.CheckConstraint(condition=Q(overall__gte=1, overall__lte=5), name="rating_overall_1_to_5"),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                    name=f"rating_{name}_1_to_5",
                )
                for name in ("efficiency", "service_level", "attitude")
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="rating_when"),
            models.Index(fields=["butler", "created_at"], name="rating_butler_when"),
            models.Index(fields=["company", "created_at"], name="rating_company_when"),
        ]

    def __str__(self) -> str:
        return f"★{self.overall} {self.get_kind_display()} · {self.company}"

    @property
    def is_bad(self) -> bool:
        return self.overall in BAD_STARS


class Suggestion(ImmutableFeedback):
    class Category(models.TextChoices):
        MATERIALS = "materials", _("Materials")
        PROCEDURE = "procedure", _("Procedure")
        WAITING = "waiting", _("Waiting time")
        ONLINE = "online", _("Online system")
        ATTITUDE = "attitude", _("Staff attitude")
        POLICY = "policy", _("Policy")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        PORTAL = "portal", _("On the portal")
        BUTLER = "butler", _("Recorded by the butler")

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="suggestions", verbose_name=_("company")
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("contact"),
        help_text=_("Who made the suggestion, if one of the company's contacts."),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    text = models.TextField(_("suggestion"), max_length=2000)
    licence_type = models.ForeignKey(
        LicenceType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("licence type"),
    )
    butler = models.ForeignKey(
        Butler,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("butler in service"),
    )
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        indexes = [
            models.Index(fields=["created_at"], name="suggestion_when"),
            models.Index(fields=["company", "created_at"], name="suggestion_company_when"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.company}"


class AuditCaseQuerySet(models.QuerySet):
    def open(self) -> "AuditCaseQuerySet":
        return self.exclude(step=AuditCase.Step.CLOSED)


class AuditCase(models.Model):
    """The window's handling of one bad rating or one suggestion. ``step`` is what is to be done next and
    ``step_due`` its deadline; every step keeps who did it, when and what was found."""

    class Step(models.TextChoices):
        VERIFY = "verify", _("To verify")
        CLASSIFY = "classify", _("To classify")
        RECTIFY = "rectify", _("To rectify")
        REVIEW = "review", _("Disputed: with the reviewer")
        RETURN_VISIT = "return_visit", _("Report back due")
        CLOSE = "close", _("To close")
        CLOSED = "closed", _("Closed")

    class Finding(models.TextChoices):
        VALID = "valid", _("Valid: to be rectified")
        EXPLAINED = "explained", _("Explained: no legal basis")
        MISTAKEN = "mistaken", _("Mistaken")
        MALICIOUS = "malicious", _("Malicious")

    rating = models.OneToOneField(
        Rating,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case",
        verbose_name=_("rating"),
    )
    suggestion = models.OneToOneField(
        Suggestion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case",
        verbose_name=_("suggestion"),
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="audit_cases", verbose_name=_("company")
    )
    concerns = models.ForeignKey(
        Butler,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_about",
        verbose_name=_("about the butler"),
        help_text=_("A butler never handles or closes a case about themselves."),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    step = models.CharField(_("next step"), max_length=12, choices=Step.choices, default=Step.VERIFY)
    step_due = models.DateField(_("next step due"), null=True, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
        help_text=_("The named person who called the company back."),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_note = models.TextField(_("what the call found"), blank=True, max_length=4000)
    verification_call = models.ForeignKey(
        ContactRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("call back"),
    )
    finding = models.CharField(_("finding"), max_length=10, choices=Finding.choices, blank=True)
    finding_reason = models.TextField(_("reason"), blank=True, max_length=4000)
    classified_at = models.DateTimeField(_("classified at"), null=True, blank=True)
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("classified by"),
    )
    rectify_due = models.DateField(
        _("rectify and report back by"),
        null=True,
        blank=True,
        help_text=_("The limit counted from the rating: the report back to the rater is inside it."),
    )
    rectification = models.TextField(_("what was rectified"), blank=True, max_length=4000)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rectified by"),
    )
    return_visit_at = models.DateTimeField(_("reported back at"), null=True, blank=True)
    return_visit_note = models.TextField(_("what the rater was told"), blank=True, max_length=4000)
    return_visit_call = models.ForeignKey(
        ContactRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("report back"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closing_note = models.TextField(_("closing note"), blank=True, max_length=4000)

    history = HistoricalRecords()
    objects = AuditCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("audit case")
        verbose_name_plural = _("audit cases")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=False, suggestion__isnull=True)
                | Q(rating__isnull=True, suggestion__isnull=False),
                name="case_is_about_a_rating_or_a_suggestion",
            ),
            models.CheckConstraint(
                condition=Q(step="closed", closed_at__isnull=False) | (~Q(step="closed") & Q(closed_at=None)),
                name="case_closed_at_matches_step",
            ),
        ]
        indexes = [
            models.Index(fields=["step", "step_due"], name="case_step_due"),
            models.Index(fields=["company", "opened_at"], name="case_company_when"),
            models.Index(fields=["opened_at"], name="case_opened"),
        ]

    def __str__(self) -> str:
        return _("Case %(number)s") % {"number": self.number}

    @property
    def number(self) -> str:
        return f"{timezone.localtime(self.opened_at):%Y}-{self.pk:04d}"

    @property
    def is_closed(self) -> bool:
        return self.step == self.Step.CLOSED

    @property
    def feedback(self):
        return self.rating or self.suggestion


class Dispute(models.Model):
    """申诉: the window holds a rating mistaken or malicious; a reviewer outside the window (the government
    service office) decides. Only an upheld dispute takes the rating out of the figures."""

    case = models.OneToOneField(
        AuditCase, on_delete=models.PROTECT, related_name="dispute", verbose_name=_("audit case")
    )
    grounds = models.CharField(
        _("grounds"),
        max_length=10,
        choices=[
            (AuditCase.Finding.MISTAKEN, AuditCase.Finding.MISTAKEN.label),
            (AuditCase.Finding.MALICIOUS, AuditCase.Finding.MALICIOUS.label),
        ],
    )
    reasons = models.TextField(_("the window's reasons"), max_length=4000)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("filed by")
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    upheld = models.BooleanField(_("upheld"), null=True, blank=True)
    decision_reasons = models.TextField(_("the reviewer's reasons"), blank=True, max_length=4000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return _("Dispute on case %(number)s") % {"number": self.case.number}


class ImprovementAction(models.Model):
    """A change the window makes because of what companies said; its effect is measured."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what will change"), blank=True, max_length=4000)
    cases = models.ManyToManyField(
        AuditCase, related_name="improvements", verbose_name=_("cases"), blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    outcome = models.TextField(_("outcome"), blank=True, max_length=4000)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    licence_type = models.ForeignKey(
        LicenceType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvements",
        verbose_name=_("catalogue entry changed"),
        help_text=_("The licence type whose materials or limits the action changes, if any."),
    )
    changed_on = models.DateField(
        _("catalogue changed on"),
        null=True,
        blank=True,
        help_text=_("The day the catalogue change took effect: material counts are compared before it."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    history = HistoricalRecords(m2m_fields=[cases])

    class Meta:
        ordering = ["status", "due_on", "id"]
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="done", done_on__isnull=False) | (~Q(status="done") & Q(done_on=None)),
                name="improvement_done_on_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CentrePush(models.Model):
    """One rating sent to the provincial rating centre (好差评系统), made with the rating when the centre is
    configured. The payload is written once and every attempt sends it as it is, under the same idempotency
    key; the centre's answer is kept (butler/feedback/centre.py)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    rating = models.ForeignKey(
        Rating, on_delete=models.PROTECT, related_name="centre_pushes", verbose_name=_("rating")
    )
    key = models.CharField(
        _("idempotency key"),
        max_length=60,
        unique=True,
        help_text=_("rating-<id>, or rating-<id>-again for the re-rating (追评) of rating <id>."),
    )
    payload = models.JSONField(_("payload as sent"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_try_at = models.DateTimeField(
        _("next try at"), null=True, blank=True, help_text=_("Empty once sent or failed.")
    )
    answer_status = models.PositiveSmallIntegerField(
        _("centre's answer (HTTP status)"), null=True, blank=True
    )
    answer_body = models.TextField(_("centre's answer"), blank=True)
    centre_id = models.CharField(_("centre's id"), max_length=100, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("push to the rating centre")
        verbose_name_plural = _("pushes to the rating centre")
        constraints = [
            models.CheckConstraint(
                condition=(Q(state="pending") & Q(next_try_at__isnull=False))
                | (Q(state="sent") & Q(sent_at__isnull=False) & Q(next_try_at=None))
                | (Q(state="failed") & Q(next_try_at=None)),
                name="centre_push_state_matches_times",
            ),
        ]
        indexes = [models.Index(fields=["state", "next_try_at"], name="centre_push_due")]

    def __str__(self) -> str:
        return self.key
