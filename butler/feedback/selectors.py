"""What each user may see of the feedback: scoped querysets, one place per model (404 outside them).

A manager sees everything; a butler the ratings, suggestions and cases of the companies whose service they
hold or held (including those about themselves — nobody hides feedback); a company contact only what their
own company gave, through the portal.
"""

from django.db.models import QuerySet
from django.http import Http404

from butler.feedback.models import AuditCase, ImprovementAction, Rating, Suggestion
from butler.security import roles
from butler.service.access import companies_visible_to


def _scoped(queryset: QuerySet, user) -> QuerySet:
    if roles.is_manager(user):
        return queryset
    if roles.is_butler(user) or roles.is_company(user):
        return queryset.filter(company__in=companies_visible_to(user))
    return queryset.none()


def ratings_visible_to(user) -> QuerySet:
    return _scoped(Rating.objects.all(), user)


def suggestions_visible_to(user) -> QuerySet:
    return _scoped(Suggestion.objects.all(), user)


def cases_visible_to(user) -> QuerySet:
    """Audit cases are the window's: managers and butlers (of the case's company), never the company."""
    if roles.is_company(user) and not roles.is_staff_role(user):
        return AuditCase.objects.none()
    return _scoped(AuditCase.objects.all(), user)


def case_for(user, pk) -> AuditCase:
    case = (
        cases_visible_to(user)
        .select_related(
            "company",
            "concerns__user",
            "handler",
            "classified_by",
            "rectified_by",
            "closed_by",
            "rating__contact",
            "rating__licence__licence_type",
            "rating__period",
            "suggestion__contact",
            "suggestion__licence_type",
            "suggestion__submitted_by",
        )
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404
    return case


def improvements_visible_to(user) -> QuerySet:
    """Improvement actions are the window's own work: managers and butlers read them."""
    if roles.is_staff_role(user):
        return ImprovementAction.objects.all()
    return ImprovementAction.objects.none()


def improvement_for(user, pk) -> ImprovementAction:
    action = improvements_visible_to(user).select_related("owner", "licence_type").filter(pk=pk).first()
    if action is None:
        raise Http404
    return action
