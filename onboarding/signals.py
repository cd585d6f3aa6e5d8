"""Signals that the applicant side sends for observers such as detection rules.

Onboarding imports no observer. A receiver runs in the request's own
process and may read the values a signal carries, but must never store
or log them.
"""

from django.dispatch import Signal

# A sign-up form passed validation. Arguments: request, email (the address
# typed, for counting only).
sign_up_submitted = Signal()

# A form was posted. Arguments: request, form (its name, such as "sign-up"
# or "wizard identity"), values (field name to the raw posted text).
form_posted = Signal()

# A posted form failed validation. Arguments: request, form, field_names
# (the fields with errors, or "__all__").
form_rejected = Signal()

# A posted form passed validation. Arguments: request, form.
form_accepted = Signal()

# An application was submitted, inside the transaction that stores it.
# Arguments: reference (the applicant's public reference).
applicant_submitted = Signal()
