"""Pages of the applicant side: sign-up, e-mail confirmation, wizard."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import (
    sensitive_post_parameters,
    sensitive_variables,
)
from django.views.decorators.http import require_http_methods
from formtools.wizard.views import SessionWizardView

from onboarding import forms, services, signals
from onboarding.models import Applicant

WIZARD_STEPS = [
    ("identity", forms.IdentityForm),
    ("contact", forms.ContactForm),
    ("national_id", forms.NationalIdForm),
    ("review", forms.ReviewForm),
]
SIGN_UP_FORM = "sign-up"
STEP_TITLES = {
    "identity": gettext_lazy("Identity"),
    "contact": gettext_lazy("Contact details"),
    "national_id": gettext_lazy("National ID"),
    "review": gettext_lazy("Review and consent"),
}


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "onboarding/home.html")


@never_cache
@sensitive_post_parameters("email", "password1", "password2")
@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("onboarding:wizard")
    form = forms.SignUpForm(request.POST or None)
    if request.method == "POST":
        form_posted_notify(request, SIGN_UP_FORM, form)
    if request.method == "POST" and form.is_valid():
        signals.sign_up_submitted.send(
            sender=forms.SignUpForm, request=request, email=form.cleaned_data["email"]
        )
        services.user_sign_up(
            email=form.cleaned_data["email"], password=form.cleaned_data["password1"]
        )
        return redirect("onboarding:sign-up-sent")
    return render(request, "onboarding/sign_up.html", {"form": form})


def form_posted_notify(request: HttpRequest, name: str, form: Any) -> None:
    """Send the form's posted values and then its validation outcome.

    Receivers get the values in this process only; the signals module
    forbids storing or logging them.
    """
    values = {field: form.data.get(form.add_prefix(field), "") for field in form.fields}
    signals.form_posted.send(
        sender=type(form), request=request, form=name, values=values
    )
    if form.is_valid():
        signals.form_accepted.send(sender=type(form), request=request, form=name)
    else:
        signals.form_rejected.send(
            sender=type(form), request=request, form=name, field_names=list(form.errors)
        )


def sign_up_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "onboarding/sign_up_sent.html")


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm an address with the sign-up's password; only POST spends it.

    Mail scanners and link previews fetch links with GET, so a GET that
    spent the token would verify addresses nobody clicked.
    """
    verification = services.email_verification_find(token=token)
    if verification is None:
        return render(request, "onboarding/verify_email.html", {"usable": False})
    form = forms.ConfirmEmailForm(
        request.POST or None, chooses_password=not verification.password_hash
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.email_verification_confirm(
                token=token, password=form.cleaned_data["password"]
            )
        except services.WrongSignUpPasswordError:
            form.add_error("password", forms.ConfirmEmailForm.wrong_password_message)
        else:
            if user is None:
                context = {"usable": False}
                return render(request, "onboarding/verify_email.html", context)
            messages.success(
                request, _("Your email address is confirmed. Sign in to go on.")
            )
            return redirect("onboarding:sign-in")
    return render(
        request, "onboarding/verify_email.html", {"usable": True, "form": form}
    )


# Every wizard field holds personal data, so error reports show none of
# them, and no browser or proxy may keep a copy of a step.
@method_decorator(sensitive_post_parameters(), name="dispatch")
@method_decorator(never_cache, name="dispatch")
class OnboardingWizard(SessionWizardView):
    """The applicant's multi-step form, resumable and closed once submitted."""

    form_list = WIZARD_STEPS
    storage_name = "onboarding.wizard_storage.EncryptedDraftStorage"
    template_name = "onboarding/wizard.html"

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.applicant = services.applicant_for_user(user=request.user)
        if not self.applicant.is_editable:
            return redirect("onboarding:confirmation")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # formtools restarts the wizard on every GET. Resuming instead shows
        # the step the applicant reached, with what they already entered.
        if self.storage.current_step is None:
            self.storage.current_step = self.steps.first
        form = self.get_form(data=self.storage.current_step_data)
        return self.render(form)

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        # formtools looks the posted step name up in the form list without
        # checking it, so an unknown name would raise KeyError and end in a
        # 500. SuspiciousOperation turns it into a 400 and a security log line.
        posted_step = self.request.POST.get(f"{self.prefix}-current_step")
        if posted_step is not None and posted_step not in self.get_form_list():
            msg = "The wizard management form names an unknown step."
            raise SuspiciousOperation(msg)
        return super().post(*args, **kwargs)

    def get_form(
        self, step: str | None = None, data: Any = None, files: Any = None
    ) -> Any:
        form = super().get_form(step, data, files)
        # The posted step's form, built once per POST, tells observers what
        # was typed and whether it passed.
        if self.request.method == "POST" and data is self.request.POST:
            form_posted_notify(self.request, f"wizard {form.prefix}", form)
        return form

    def get_form_step_data(self, form: Any) -> dict[str, list[str]]:
        # Keep only this step's own fields; formtools would also store the
        # CSRF token and the management form.
        own_prefix = f"{form.prefix}-"
        return {
            key: values
            for key, values in form.data.lists()
            if key.startswith(own_prefix)
        }

    def get_context_data(self, form: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(form=form, **kwargs)
        context["step_title"] = STEP_TITLES[self.steps.current]
        context["step_titles"] = [
            (name, STEP_TITLES[name]) for name in self.get_form_list()
        ]
        context["reference"] = self.applicant.reference
        if self.steps.current == "review":
            context["summary"] = self._summary()
        return context

    @sensitive_variables("summary")
    def _summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = {}
        for step in ("identity", "contact", "national_id"):
            summary.update(self.get_cleaned_data_for_step(step) or {})
        return summary

    @sensitive_variables("form_list", "form_dict", "form", "data")
    def done(
        self, form_list: Any, form_dict: Any = None, **kwargs: Any
    ) -> HttpResponse:
        data: dict[str, Any] = {}
        for form in form_list:
            data.update(form.cleaned_data)
        services.applicant_submit(applicant=self.applicant, data=data)
        return redirect("onboarding:confirmation")


@never_cache
def confirmation(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    applicant = services.applicant_for_user(user=request.user)
    if applicant.status == Applicant.Status.DRAFT:
        return redirect("onboarding:wizard")
    return render(request, "onboarding/confirmation.html", {"applicant": applicant})
