"""Every signed-in person's notifications: the bell, the list, opening one, marking all read."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from butler.security import roles
from butler.service.decorators import role_required
from reminders import notices, selectors
from reminders.models import Notice

PAGE_SIZE = 30


@role_required(*roles.ALL_ROLES)
def index(request):
    page = Paginator(selectors.notices_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    base = "portal/base.html" if roles.is_company(request.user) else "base.html"
    return render(request, "notices/index.html", {"page": page, "base_template": base, "querystring": ""})


@role_required(*roles.ALL_ROLES)
def open_notice(request, pk: int):
    """Opening a notice marks it read and leads to what it is about."""
    try:
        notice = notices.notice_open(recipient=request.user, notice_id=pk)
    except Notice.DoesNotExist as missing:
        raise Http404 from missing
    if notice.url and url_has_allowed_host_and_scheme(notice.url, allowed_hosts={request.get_host()}):
        return redirect(notice.url)
    return redirect("notices:index")


@role_required(*roles.ALL_ROLES)
@require_POST
def read_all(request):
    notices.notice_mark_read(recipient=request.user)
    return redirect("notices:index")
