"""The staff page that sets or lifts a legal hold on an applicant.

The applicant admin adds the page's URL with ``urls()`` and the detail
page's button and hold status with ``detail_context()``. Only staff with
the ``onboarding.set_legal_hold`` permission (the Compliance role) see the
button or may open the page.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from onboarding.models import Applicant, User
from onboarding.retention import holds
from onboarding.retention.exceptions import LegalHoldError
from onboarding.staff.views import staff_member


def urls(wrap: Callable[[Any], Any]) -> list[URLPattern]:
    """Return the URL pattern of the hold page, wrapped by the admin's ``wrap``."""
    return [
        path(
            "<str:reference>/legal-hold/",
            wrap(legal_hold),
            name="onboarding_applicant_legal_hold",
        ),
    ]


def detail_context(user: User, applicant: Applicant) -> dict[str, Any]:
    """Return the applicant detail page's context for the hold."""
    return {
        "legal_hold": applicant.legal_hold,
        "legal_hold_set_at": applicant.legal_hold_set_at,
        "can_set_legal_hold": user.has_perm(holds.PERMISSION)
        and applicant.status != Applicant.Status.ERASED,
    }


@never_cache
@sensitive_post_parameters("reason")
def legal_hold(
    request: HttpRequest, reference: str, *, model_admin: Any
) -> HttpResponse:
    """Show the hold form, and on POST set or lift the hold."""
    actor = staff_member(request)
    if not actor.has_perm(holds.PERMISSION) or not model_admin.has_view_permission(
        request
    ):
        raise PermissionDenied
    applicant = model_admin.get_object(request, reference)
    if applicant is None:
        raise Http404

    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Legal hold"),
        "applicant": applicant,
        "minimum_reason_length": holds.MINIMUM_REASON_LENGTH,
        "opts": Applicant._meta,
    }
    status = 200
    if request.method == "POST":
        change = (
            holds.applicant_legal_hold_lift
            if applicant.legal_hold
            else holds.applicant_legal_hold_set
        )
        try:
            change(
                actor=actor,
                applicant=applicant,
                reason=request.POST.get("reason", ""),
                request=request,
            )
        except LegalHoldError as error:
            context["error"] = str(error)
            status = 400
        else:
            done = (
                _("Legal hold lifted.")
                if applicant.legal_hold
                else _("Legal hold set.")
            )
            messages.success(request, done)
            return redirect(
                reverse("staff:onboarding_applicant_change", args=[reference])
            )
    return TemplateResponse(request, "staff/legal_hold.html", context, status=status)
