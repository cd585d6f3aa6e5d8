"""Staff actions on applicants: search, reveal, approve a reveal, decide, resend.

The applicant admin wraps each view with the portal's admin_view, so only
signed-in, two-factor-verified staff reach them. Every view looks
applicants up through the admin's queryset, which leaves out the staff
member's own record.
"""

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import (
    sensitive_post_parameters,
    sensitive_variables,
)
from django.views.decorators.http import require_POST

from audit.models import AccessEvent
from audit.services import access_event_record
from onboarding import selectors, services
from onboarding.models import Applicant, User
from onboarding.roles import holds_permission
from onboarding.staff import reveals
from onboarding.staff.two_factor import otp_verified_recently

STATUS_FOR_RULE = {"rate limit": 429}
# The result page's URL lists the matches by reference, 19 characters each
# with the comma, so 100 of them stay under gunicorn's default request-line
# limit of 4094 characters.
MAX_SEARCH_MATCHES = 100


def _applicant(model_admin: Any, request: HttpRequest, reference: str) -> Applicant:
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    applicant = model_admin.get_object(request, reference)
    if applicant is None:
        raise Http404
    return applicant


def staff_member(request: HttpRequest) -> User:
    # admin_view lets only signed-in staff through, so this is always a User.
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _detail_url(applicant: Applicant) -> str:
    return reverse("staff:onboarding_applicant_change", args=[applicant.reference])


@require_POST
@sensitive_post_parameters("q")
@sensitive_variables("term")
def search(request: HttpRequest, *, model_admin: Any) -> HttpResponse:
    """Find applicants by a posted term, then list the matches by reference.

    The term arrives in the request body, so an email address or phone
    number stays out of URLs, the browser's history, Referer headers and
    server access logs. The result page's URL names only public references.
    """
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    changelist = reverse("staff:onboarding_applicant_changelist")
    term = request.POST.get("q", "").strip()
    if not term:
        return redirect(changelist)

    matches = selectors.applicants_matching(model_admin.get_queryset(request), term)
    ordered = matches.order_by("reference").values_list("reference", flat=True)
    references = list(ordered[: MAX_SEARCH_MATCHES + 1])
    access_event_record(
        actor=staff_member(request),
        action=AccessEvent.Action.SEARCH,
        request=request,
        detail={"kind": selectors.search_kind(term)},
    )
    if len(references) > MAX_SEARCH_MATCHES:
        references = references[:MAX_SEARCH_MATCHES]
        messages.warning(
            request,
            _("More than %(count)d applicants match. The first %(count)d are shown.")
            % {"count": MAX_SEARCH_MATCHES},
        )
    # The admin splits an __in lookup at commas, and an empty list matches
    # nothing, which is the right page for a term without a match.
    query = quote(",".join(references), safe=",")
    return HttpResponseRedirect(f"{changelist}?reference__in={query}")


@never_cache
@sensitive_post_parameters("reason")
@sensitive_variables("reason", "context")
def reveal(
    request: HttpRequest, reference: str, field: str, *, model_admin: Any
) -> HttpResponse:
    """Show a reveal form, and on POST the value, on this response only."""
    applicant = _applicant(model_admin, request, reference)
    target = reveals.REVEAL_TARGETS.get(field)
    # An erased application keeps no user, so its email is gone for good.
    if target is None or (target.on_user and applicant.user is None):
        raise Http404
    # The form itself is refused to a role without the field's permission;
    # a forged POST is refused again, and logged, by the reveal service.
    permission = target.declaration.reveal_permission
    if request.method == "GET" and not (
        permission and holds_permission(request.user, permission)
    ):
        raise PermissionDenied
    if not otp_verified_recently(request, model_admin.step_up_seconds()):
        step_up = reverse("staff:step_up")
        return HttpResponseRedirect(f"{step_up}?{urlencode({'next': request.path})}")

    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Reveal a value"),
        "applicant": applicant,
        "field_label": target.declaration.field.replace("_", " "),
        "needs_approval": target.declaration.reveal_needs_approval,
        "minimum_reason_length": reveals.MINIMUM_REASON_LENGTH,
        "opts": Applicant._meta,
    }
    status = 200
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            if request.POST.get("action") == "request":
                reveals.reveal_request_create(
                    actor=staff_member(request),
                    applicant=applicant,
                    field=field,
                    reason=reason,
                    request=request,
                )
                messages.success(request, _("Approval requested."))
                return redirect(_detail_url(applicant))
            context["value"] = reveals.applicant_field_reveal(
                actor=staff_member(request),
                applicant=applicant,
                field=field,
                reason=reason,
                request=request,
            )
        except reveals.RevealRefusedError as refusal:
            context["error"] = str(refusal)
            status = STATUS_FOR_RULE.get(refusal.rule, 403)
    return TemplateResponse(request, "staff/reveal.html", context, status=status)


@require_POST
def approve_reveal(
    request: HttpRequest, reference: str, pk: int, *, model_admin: Any
) -> HttpResponse:
    applicant = _applicant(model_admin, request, reference)
    reveal_request = get_object_or_404(applicant.reveal_requests, pk=pk)
    try:
        reveals.reveal_request_approve(
            actor=staff_member(request), reveal_request=reveal_request, request=request
        )
    except reveals.RevealRefusedError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Reveal approved."))
    return redirect(_detail_url(applicant))


@require_POST
def decide(request: HttpRequest, reference: str, *, model_admin: Any) -> HttpResponse:
    applicant = _applicant(model_admin, request, reference)
    try:
        services.applicant_decide(
            actor=staff_member(request),
            applicant=applicant,
            decision=request.POST.get("decision", ""),
            request=request,
        )
    except services.DecisionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect(_detail_url(applicant))


@require_POST
def resend_verification(
    request: HttpRequest, reference: str, *, model_admin: Any
) -> HttpResponse:
    applicant = _applicant(model_admin, request, reference)
    if services.verification_resend(
        actor=staff_member(request), applicant=applicant, request=request
    ):
        messages.success(request, _("A new verification link was sent."))
    else:
        messages.info(request, _("The address is already verified; nothing was sent."))
    return redirect(_detail_url(applicant))
