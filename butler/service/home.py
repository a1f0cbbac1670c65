from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from butler.security.roles import is_butler, is_company, is_manager, is_reviewer


@login_required
def home(request):
    """Each role lands on its own page."""
    if is_manager(request.user):
        return redirect("oversight:dashboard")
    if is_butler(request.user):
        return redirect("portfolio:today")
    if is_company(request.user):
        return redirect("portal:home")
    if is_reviewer(request.user):
        return redirect("feedback:disputes")
    if request.user.is_staff:
        return redirect("admin:index")
    return render(request, "service/no_role.html", status=403)
