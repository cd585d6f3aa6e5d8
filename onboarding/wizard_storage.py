"""Wizard storage that keeps step data encrypted in the database.

django-formtools keeps step data as plain JSON in the session, or in a
signed but readable cookie. This storage keeps it in the applicant's
WizardDraft row instead, encrypted by the vault, so the session holds only
Django's authentication keys and the draft survives signing out.
"""

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from formtools.wizard.storage.base import BaseStorage

from onboarding.models import Applicant, User, WizardDraft


class EncryptedDraftStorage(BaseStorage):
    """Load the draft once per request and write it back with the response."""

    def __init__(self, prefix: str, request: HttpRequest, file_storage: Any = None):
        super().__init__(prefix, request, file_storage)
        if not isinstance(request.user, User):
            raise PermissionDenied
        self.applicant = Applicant.objects.get(user=request.user)
        draft = WizardDraft.objects.filter(applicant=self.applicant).first()
        if draft is None:
            self.init_data()
        else:
            self.data = json.loads(draft.state)

    def update_response(self, response: HttpResponse) -> None:
        super().update_response(response)
        if self._is_empty():
            WizardDraft.objects.filter(applicant=self.applicant).delete()
            return
        WizardDraft.objects.update_or_create(
            applicant=self.applicant,
            defaults={"state": json.dumps(self.data, cls=DjangoJSONEncoder)},
        )

    def _is_empty(self) -> bool:
        return not self.data[self.step_data_key] and self.data[self.step_key] is None
