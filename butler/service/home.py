from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from butler.security.roles import is_butler, is_company, is_manager


@login_required
def home(request):
    """Each role lands on its own page."""
    if is_manager(request.user):
        return redirect("oversight:dashboard")
    if is_butler(request.user):
        return redirect("portfolio:today")
    if is_company(request.user):
        return redirect("portal:home")
    if request.user.is_staff:
        return redirect("admin:index")
    return render(request, "service/no_role.html", status=403)
