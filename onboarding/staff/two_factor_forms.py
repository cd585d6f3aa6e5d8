"""The forms of the staff portal's sign-in: password, code and enrolment."""

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.forms import OTPTokenForm
from django_otp.plugins.otp_totp.models import TOTPDevice


class UnechoedEmailInput(forms.EmailInput):
    """An e-mail input that comes back empty when the form is shown again.

    No staff portal page contains an e-mail address, not even the one just
    typed into a rejected form.
    """

    def format_value(self, value: Any) -> str | None:
        return None


class StaffAuthenticationForm(AdminAuthenticationForm):
    """The password step: the e-mail address and password of a staff account.

    authenticate() runs through every configured backend, so django-axes
    counts each failure.
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "The email address or password is wrong, or the account has no "
            "access to the staff portal."
        ),
    }

    def __init__(self, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(request, **kwargs)
        self.fields["username"].widget = UnechoedEmailInput(
            attrs={"autofocus": True, "autocomplete": "username"}
        )


class SecondFactorForm(OTPTokenForm):
    """A code from the authenticator app, or one unused backup code."""

    otp_error_messages = {
        **OTPTokenForm.otp_error_messages,
        "token_required": _("Enter the code from your authenticator app."),
        "invalid_token": _(
            "This code is wrong or was already used. Enter the code your "
            "authenticator app shows now, or an unused backup code."
        ),
        "device_required": _("Choose where your code comes from."),
    }

    def __init__(
        self, user: Any, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        super().__init__(user, request, **kwargs)
        self.fields["otp_device"].label = _("Code from")
        self.fields["otp_token"].label = _("Code")
        self.fields["otp_token"].widget.attrs.update(
            {"autocomplete": "one-time-code", "autofocus": True}
        )

    def clean_otp_token(self) -> str:
        # Backup codes are stored in lower case, and people copy codes with
        # spaces in them.
        return "".join(self.cleaned_data.get("otp_token", "").split()).lower()


class EnrolmentForm(forms.Form):
    """The first code from a newly added authenticator app."""

    otp_token = forms.CharField(
        label=_("Code from the app"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )

    def __init__(self, device: TOTPDevice, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.device = device

    def clean_otp_token(self) -> str:
        token = "".join(self.cleaned_data["otp_token"].split())
        # django-otp makes each wrong code double the wait before the next
        # check, and rejects every code, right or wrong, until it is over.
        allowed, _details = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(
                _(
                    "Too many wrong codes in a row. Wait a few seconds, then "
                    "enter the code the app shows now. Each wrong code "
                    "doubles the wait."
                ),
                code="throttled",
            )
        if not self.device.verify_token(token):
            raise forms.ValidationError(
                _(
                    "This code does not match. Check that the time on your "
                    "phone is right, then enter the code the app shows now."
                ),
                code="invalid_token",
            )
        return token
