from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from stores.access import user_home_role
from stores.middleware import ACTING_STORE_SESSION_KEY
from stores.models import Store
from stores.roles import Role
from stores.selectors import store_team

HOME_TEMPLATES = {
    Role.MANAGER: "home/manager.html",
    Role.ASSOCIATE: "home/associate.html",
    Role.MERCHANDISER: "home/merchandiser.html",
    Role.KIOSK: "home/kiosk.html",
}


@login_required
def home(request):
    role = user_home_role(request.user)
    context = {"role": role}
    if role == Role.MANAGER and request.store is not None:
        context["team"] = store_team(request.store)
    if role == Role.MERCHANDISER:
        context["stores"] = Store.objects.filter(is_active=True)
    return render(request, HOME_TEMPLATES.get(role, "home/no_role.html"), context)


@login_required
@require_POST
def store_switch(request):
    """Act for another of the user's stores for the rest of the session."""
    code = request.POST.get("store", "")
    if any(membership.store.code == code for membership in request.store_memberships):
        request.session[ACTING_STORE_SESSION_KEY] = code
    else:
        messages.error(request, "You do not work at that store.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "home"
    return redirect(next_url)
