"""Render the PII inventory as the Markdown data map in docs/data-map.md."""

from itertools import groupby

from vault.inventory import Inventory, PiiField

HEADER = """\
# Data map

Generated from the PII inventory by `python manage.py data_map`; do not edit
by hand. A test fails when this file differs from what the command writes.

Every field below is stored encrypted. A blind index, where present, is a
keyed HMAC-SHA256 of the normalized value that supports exact lookup only.
"""


def render_data_map(inventory: Inventory) -> str:
    """Return the data map of every declaration, grouped by model."""
    sections = [HEADER]
    for model, entries in groupby(inventory, key=lambda entry: entry.model):
        sections.append(_model_section(model, list(entries)))
    sections.append(_exemptions_section(inventory))
    return "\n".join(sections)


def _model_section(model: str, entries: list[PiiField]) -> str:
    lines = [
        f"## {model}",
        "",
        "| field | category | purpose | retention | staff see | reveal needs "
        "| exported | blind index |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for entry in entries:
        index = (
            f"`{entry.blind_index.field}` ({entry.blind_index.normalization})"
            if entry.blind_index
            else "none"
        )
        cells = [
            f"`{entry.field}`",
            entry.category,
            entry.purpose,
            entry.retention,
            f"mask: {entry.mask}",
            f"`{entry.reveal_permission}`"
            if entry.reveal_permission
            else "never shown",
            "yes" if entry.exported else "no",
            index,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _exemptions_section(inventory: Inventory) -> str:
    lines = [
        "## Fields with personal-looking names that hold no personal data",
        "",
        "| model | field | reason |",
        "| --- | --- | --- |",
    ]
    for exemption in inventory.exemptions():
        lines.append(
            f"| {exemption.model} | `{exemption.field}` | {exemption.reason} |"
        )
    return "\n".join(lines) + "\n"
