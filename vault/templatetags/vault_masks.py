"""Template filters that show personal data through its inventory mask."""

from typing import Any

from django import template

from vault.inventory import mask

register = template.Library()


@register.filter(name="masked")
def masked(value: Any, declaration: str) -> str:
    """Mask ``value`` as declared for ``declaration``, "app.Model.field".

    Example: ``{{ applicant.phone|masked:"onboarding.Applicant.phone" }}``.
    """
    model, _, field = declaration.rpartition(".")
    return mask(value, model, field)
