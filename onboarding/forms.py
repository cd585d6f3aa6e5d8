"""Forms for sign-up and for each step of the onboarding wizard.

Error messages describe what is wrong with the applicant's own input and
never repeat stored data, so a form cannot be used to learn about others.
"""

import datetime
from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onboarding.national_ids import (
    SCHEMES,
    InvalidNationalIdError,
    canonical_national_id,
)

COUNTRY_CHOICES = [("", _("Choose a country"))] + [
    (code, scheme.country_name) for code, scheme in SCHEMES.items()
]
NATIONAL_ID_CHOICES = [("", _("Choose a country"))] + [
    (code, scheme.label) for code, scheme in SCHEMES.items()
]


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        # Lower-casing some non-ASCII letters gives ASCII ones (the Kelvin
        # sign becomes "k"), so two different addresses could share one
        # blind index and one could take over the other's sign-up.
        if not email.isascii():
            raise forms.ValidationError(
                _("Use an email address made of ASCII characters only.")
            )
        return email

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean() or {}
        password1 = cleaned_data.get("password1")
        password2 = cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            try:
                password_validation.validate_password(password1)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned_data


class ConfirmEmailForm(forms.Form):
    """The password that confirms a sign-up link belongs to its sign-up."""

    wrong_password_message = _(
        "This is not the password chosen when this link was requested. If "
        "you signed up more than once, use the newest e-mail."
    )

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("The password you chose when you signed up."),
    )

    def __init__(self, *args: Any, chooses_password: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chooses_password = chooses_password
        if chooses_password:
            self.fields["password"].label = _("Choose a password")
            self.fields["password"].help_text = _(
                "At least 12 characters, not a common password."
            )
            self.fields["password"].widget.attrs["autocomplete"] = "new-password"

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if self.chooses_password:
            password_validation.validate_password(password)
        return password


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The email address or password is wrong, or the address is not "
            "confirmed yet. If you just signed up, follow the link in the "
            "e-mail we sent first."
        ),
    }


class IdentityForm(forms.Form):
    legal_name = forms.CharField(
        label=_("Full legal name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("As it appears on your identity document."),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        help_text=_("Format: YYYY-MM-DD."),
    )

    def clean_date_of_birth(self) -> datetime.date:
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError(_("The date of birth is in the future."))
        minimum_age = settings.ONBOARDING_MINIMUM_AGE
        if _age_on(today, born) < minimum_age:
            raise forms.ValidationError(
                _("You must be at least %(age)d years old to apply."),
                params={"age": minimum_age},
            )
        if _age_on(today, born) > 130:
            raise forms.ValidationError(_("The date of birth is too far in the past."))
        return born


def _age_on(day: datetime.date, born: datetime.date) -> int:
    had_birthday = (day.month, day.day) >= (born.month, born.day)
    return day.year - born.year - (0 if had_birthday else 1)


class ContactForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("With the country code, for example +44 20 7946 0000."),
    )
    address_line1 = forms.CharField(
        label=_("Address line 1"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    address_line2 = forms.CharField(
        label=_("Address line 2"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    city = forms.CharField(
        label=_("City"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    address_country = forms.ChoiceField(label=_("Country"), choices=COUNTRY_CHOICES)

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"]
        try:
            number = phonenumbers.parse(raw, None)
        except phonenumbers.NumberParseException as error:
            raise forms.ValidationError(
                _("Enter the phone number with its country code, starting with +.")
            ) from error
        if not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(_("This is not a valid phone number."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class NationalIdForm(forms.Form):
    national_id_country = forms.ChoiceField(
        label=_("Issuing country"), choices=NATIONAL_ID_CHOICES
    )
    national_id = forms.CharField(
        label=_("National ID number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean() or {}
        country = cleaned_data.get("national_id_country")
        number = cleaned_data.get("national_id")
        if country and number:
            try:
                cleaned_data["national_id"] = canonical_national_id(country, number)
            except InvalidNationalIdError:
                self.add_error(
                    "national_id",
                    forms.ValidationError(
                        _(
                            "This is not a valid number for the chosen country. "
                            "Expected format: %(example)s."
                        ),
                        params={"example": SCHEMES[country].example},
                    ),
                )
        return cleaned_data


class ReviewForm(forms.Form):
    consent = forms.BooleanField(
        label=_(
            "I confirm that these details are correct and agree that they are "
            "processed to verify my identity."
        ),
        error_messages={"required": _("Tick the box to give your consent.")},
    )
