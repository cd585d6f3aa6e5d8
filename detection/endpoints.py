"""The onboarding and sign-in endpoints that strict input and rate limits guard.

Each endpoint is keyed by its URL name and declares the parameters it takes.
The posted fields come from the form class the view uses, so a field added
to a form is accepted without a second list to keep in step. A formtools
wizard declares the fields of the step that the request posts.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django import forms
from formtools.wizard.views import normalize_name

from onboarding.forms import ConfirmEmailForm, SignInForm, SignUpForm
from onboarding.staff.two_factor_forms import (
    EnrolmentForm,
    SecondFactorForm,
    StaffAuthenticationForm,
)

CSRF_FIELD = "csrfmiddlewaretoken"
# The query parameter and hidden field that carry the page to return to
# after signing in.
NEXT_FIELD = "next"
# The button that moves a formtools wizard to another step.
WIZARD_GOTO_FIELD = "wizard_goto_step"


@dataclass(frozen=True)
class GuardedEndpoint:
    """The parameters a guarded URL accepts.

    ``email_field`` names the field that the per-address rate limit reads.
    Without one, the limit counts the signed-in user's address instead.
    """

    body_fields: frozenset[str] = frozenset({CSRF_FIELD})
    query_fields: frozenset[str] = frozenset()
    email_field: str = ""
    is_wizard: bool = False


def form_fields(form_class: type[forms.Form], *extra: str) -> frozenset[str]:
    """Return the names a form posts: its fields, the CSRF token and ``extra``."""
    return frozenset({*form_class.base_fields, CSRF_FIELD, *extra})


def wizard_management_field(view_class: type) -> str:
    """Return the name of the field in which a formtools wizard posts its step.

    formtools prefixes its management form with the wizard class's name in
    snake case.
    """
    return f"{normalize_name(view_class.__name__)}-current_step"


def wizard_step_fields(
    view_class: type, step: str, form_class: type[forms.Form]
) -> frozenset[str]:
    """Return the names a wizard step posts, prefixed by formtools."""
    own_fields = {f"{step}-{name}" for name in form_class.base_fields}
    return frozenset(
        {
            *own_fields,
            CSRF_FIELD,
            WIZARD_GOTO_FIELD,
            wizard_management_field(view_class),
        }
    )


def _sign_in(form_class: type[forms.Form]) -> GuardedEndpoint:
    return GuardedEndpoint(
        body_fields=form_fields(form_class, NEXT_FIELD),
        query_fields=frozenset({NEXT_FIELD}),
        email_field="username",
    )


def _staff_code_step(form_class: type[forms.Form]) -> GuardedEndpoint:
    return GuardedEndpoint(
        body_fields=form_fields(form_class, NEXT_FIELD),
        query_fields=frozenset({NEXT_FIELD}),
    )


# TODO: the project has no password-reset or self-service resend endpoint
# yet. A new endpoint must be registered here and in DETECTION_RATE_LIMITS,
# or it runs without strict input or rate limits.
GUARDED_ENDPOINTS: Mapping[str, GuardedEndpoint] = {
    "onboarding:sign-up": GuardedEndpoint(
        body_fields=form_fields(SignUpForm), email_field="email"
    ),
    "onboarding:verify-email": GuardedEndpoint(
        body_fields=form_fields(ConfirmEmailForm)
    ),
    "onboarding:sign-in": _sign_in(SignInForm),
    "onboarding:sign-out": GuardedEndpoint(),
    "onboarding:wizard": GuardedEndpoint(is_wizard=True),
    "staff:login": _sign_in(StaffAuthenticationForm),
    "staff:logout": GuardedEndpoint(),
    "staff:two_factor": _staff_code_step(SecondFactorForm),
    "staff:two_factor_enrol": _staff_code_step(EnrolmentForm),
    "staff:step_up": _staff_code_step(SecondFactorForm),
}
