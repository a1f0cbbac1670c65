"""The manager's audit of feedback: the cases of bad ratings and suggestions and their steps, all ratings,
improvement actions, and the catalogue's material reduction.

Managers see everything; a butler the cases and ratings of the companies they serve or served, and may take
the steps a butler takes (never on a case about themselves); company users and outsiders are refused.

Request handling only: what the pages show is read in ``butler.feedback.pages``, the steps and actions are
taken by the services in ``butler.feedback.cases`` and ``butler.feedback.improvements``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from butler.feedback import cases as case_services
from butler.feedback import improvements as improvement_services
from butler.feedback import pages
from butler.feedback.audit_forms import (
    STEP_FORMS,
    ImprovementForm,
    ImprovementUpdateForm,
    MaterialsForm,
)
from butler.feedback.filters import CaseFilter
from butler.feedback.models import AuditCase, ImprovementAction
from butler.feedback.selectors import case_for, improvement_for
from butler.fields import add_service_error, ids_from
from butler.security import roles
from butler.service.decorators import role_required

STAFF = (roles.BUTLER, roles.MANAGER)
PAGE_SIZE = 50
Step = AuditCase.Step

SERVICES = {
    Step.VERIFY: case_services.case_verify,
    Step.CLASSIFY: case_services.case_classify,
    Step.RECTIFY: case_services.case_rectify,
    Step.RETURN_VISIT: case_services.case_return_visit,
    Step.CLOSE: case_services.case_close,
}


def _done_messages() -> dict:
    return {
        Step.VERIFY: _("The call back is recorded; the case is to be classified."),
        Step.CLASSIFY: _("The finding is recorded."),
        Step.RECTIFY: _("The rectification is recorded; report back to the rater within the limit."),
        Step.RETURN_VISIT: _("The report back is recorded; the rater is invited to rate again."),
        Step.CLOSE: _("The case is closed."),
    }


def _without(request, *names: str) -> str:
    """The query string without the parameters named (``page`` when paginating, ``show`` for the tabs)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _ids(values) -> list[int]:
    """``?cases=1,2`` or ``?cases=1&cases=2``."""
    return ids_from(values)


# --- the list of cases ----------------------------------------------------------------------------------


@role_required(*STAFF)
def cases(request):
    """The audit cases, newest first: what is open, at risk or overdue, and who handles it."""
    chosen = pages.case_filter(request.user, request.GET)
    show = chosen.show_chosen
    today = timezone.localdate()
    horizon = pages.due_horizon(today)
    at_risk = horizon[1]
    conditions = pages.show_conditions(today, at_risk)
    scoped = chosen.qs
    counts = pages.case_counts(scoped, conditions)
    page = Paginator(pages.cases_shown(scoped, conditions[show]), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": chosen.form,
        "show": show,
        "shows": [(key, label, counts[key]) for key, label in CaseFilter.SHOW],
        "filters": _without(request, "show", "page"),
        "page": page,
        "rows": pages.case_rows(page, today, horizon),
        "querystring": _without(request, "page"),
        "can_create_improvement": roles.is_manager(request.user),
    }
    return render(request, "feedback/audit_cases.html", context)


# --- one case -------------------------------------------------------------------------------------------


def _case_page(request, case: AuditCase, *, form=None):
    open_steps = case_services.steps_open_to(request.user, case)
    if open_steps and form is None:
        form = STEP_FORMS[case.step]()
    records = pages.case_records(case)
    today = timezone.localdate()
    context = {
        "case": case,
        "rating": case.rating,
        "suggestion": case.suggestion,
        "what_was_rated": pages.what_was_rated(case.rating) if case.rating_id else "",
        "dimensions": pages.rating_dimensions(case.rating) if case.rating_id else [],
        "timeline": pages.case_timeline(case, records),
        "due": pages.deadline(case.step_due, today, pages.due_horizon(today)),
        "step_form": form if open_steps else None,
        "who_takes": "" if open_steps else pages.who_takes_step(request.user, case),
        "history": pages.case_history(case, records),
        "improvements": pages.case_improvements(case),
        "can_create_improvement": roles.is_manager(request.user),
    }
    return render(request, "feedback/audit_case.html", context)


@role_required(*STAFF)
def case(request, pk: int):
    return _case_page(request, case_for(request.user, pk))


@role_required(*STAFF)
@require_POST
def case_step(request, pk: int, step: str):
    """Take the step the case is at; refusals come back on the form with what was typed."""
    case = case_for(request.user, pk)
    if step not in STEP_FORMS:
        raise Http404
    if not case_services.may_take(request.user, case, step):
        raise PermissionDenied
    if step != case.step:
        raise Http404
    form = STEP_FORMS[step](request.POST)
    if form.is_valid():
        try:
            SERVICES[step](actor=request.user, case=case, **form.arguments())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _done_messages()[step])
            return redirect("feedback:case", pk=case.pk)
    return _case_page(request, case, form=form)


# --- ratings --------------------------------------------------------------------------------------------


@role_required(*STAFF)
def ratings(request):
    """Every rating the user may see, with the five-level distribution of those shown."""
    chosen = pages.rating_filter(request.user, request.GET)
    queryset = chosen.qs
    bars, total = pages.rating_distribution(queryset)
    stars = chosen.stars_chosen
    page = Paginator(pages.ratings_by_stars(queryset, stars), PAGE_SIZE).get_page(request.GET.get("page"))
    satisfaction_rate, bad_rate = pages.satisfaction_rates(bars, total)
    context = {
        "form": chosen.form,
        "bars": bars,
        "total": total,
        "satisfaction_rate": satisfaction_rate,
        "bad_rate": bad_rate,
        "stars": stars or "",
        "filters": _without(request, "stars", "page"),
        "page": page,
        "rows": [(rating, pages.what_was_rated(rating)) for rating in page],
        "querystring": _without(request, "page"),
    }
    return render(request, "feedback/audit_ratings.html", context)


# --- improvement actions --------------------------------------------------------------------------------


@role_required(*STAFF)
def improvements(request):
    """Improvement actions: what is planned or under way, by whom, by when, and what came of it."""
    queryset, show = pages.improvements_shown(request.user, request.GET.get("show", "open"))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "show": show,
        "shows": [("open", pgettext("cases", "Open")), *ImprovementAction.Status.choices, ("all", _("All"))],
        "page": page,
        "rows": [(action, pages.is_overdue(action, today)) for action in page],
        "querystring": _without(request, "page"),
        "can_create": roles.is_manager(request.user),
    }
    return render(request, "feedback/improvement_list.html", context)


@role_required(roles.MANAGER)
@require_http_methods(["GET", "POST"])
def improvement_new(request):
    """A manager turns cases (ticked on the case list) into an improvement action."""
    chosen = _ids(request.POST.getlist("cases") if request.method == "POST" else request.GET.getlist("cases"))
    offered = pages.offered_cases(request.user, chosen)
    preselected = pages.chosen_cases(request.user, chosen)
    form = ImprovementForm(
        request.POST or None,
        cases=offered,
        initial={"cases": preselected, "owner": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            action = improvement_services.improvement_create(actor=request.user, **form.arguments())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The improvement action is recorded."))
            return redirect("feedback:improvement", pk=action.pk)
    return render(request, "feedback/improvement_form.html", {"form": form})


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def improvement(request, pk: int):
    """The action, the cases it answers, its effect on the catalogue, and (for a manager) moving it on."""
    action = improvement_for(request.user, pk)
    manager = roles.is_manager(request.user)
    if request.method == "POST" and not manager:
        raise PermissionDenied
    linked = pages.linked_case_ids(action)
    form = None
    if manager:
        chosen = linked + _ids(request.POST.getlist("cases"))
        form = ImprovementUpdateForm(
            request.POST or None,
            cases=pages.offered_cases(request.user, chosen),
            initial=ImprovementUpdateForm.initial_for(action) | {"cases": linked},
        )
        if request.method == "POST" and form.is_valid():
            try:
                improvement_services.improvement_update(actor=request.user, action=action, **form.arguments())
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The improvement action is updated."))
                return redirect("feedback:improvement", pk=action.pk)
    cases = pages.linked_cases(request.user, linked)
    context = {
        "action": action,
        "overdue": pages.is_overdue(action, timezone.localdate()),
        "cases": cases,
        "hidden_cases": len(linked) - len(cases),
        "counts": improvement_services.licence_type_counts(action),
        "history": pages.improvement_history(action),
        "form": form,
    }
    return render(request, "feedback/improvement_detail.html", context)


# --- material reduction ---------------------------------------------------------------------------------


@role_required(*STAFF)
def materials(request):
    """The reform's own measure: materials asked for then and now, and the catalogue entries that changed."""
    since = pages.a_year_before(timezone.localdate())
    form = MaterialsForm(request.GET or None, initial={"since": since})
    if form.is_valid() and form.cleaned_data["since"]:
        since = form.cleaned_data["since"]
    reduction = improvement_services.material_reduction(since=since)
    actions = pages.actions_by_licence_type([row.licence_type for row in reduction.rows])
    rows = [(row, actions.get(row.licence_type.pk, [])) for row in reduction.rows]
    context = {"form": form, "reduction": reduction, "rows": rows, "since": since}
    return render(request, "feedback/audit_materials.html", context)
