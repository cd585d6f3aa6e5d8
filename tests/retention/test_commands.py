"""manage.py retention_report counts what each rule would change;
manage.py run_retention runs one rule by hand."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from onboarding.models import Applicant
from onboarding.retention.rules import RULES
from tests.retention import records
from tests.retention.conftest import retention_entries

pytestmark = pytest.mark.django_db


def report_rows() -> dict[str, list[str]]:
    output = StringIO()
    call_command("retention_report", stdout=output)
    table = output.getvalue().split("\n\n")[0]
    lines = table.splitlines()[2:]
    return {line.split()[0]: line.split()[1:] for line in lines}


def test_report_counts_due_and_held():
    limit = records.days("RETENTION_DRAFT_DAYS")
    records.draft(limit + records.MARGIN)
    records.draft(limit + records.MARGIN)
    records.draft(limit + records.MARGIN, hold=True)
    records.draft(limit - records.MARGIN)

    rows = report_rows()

    assert sorted(rows) == sorted(RULES)
    assert rows["abandoned_drafts"] == [str(limit.days), "days", "2", "1"]
    assert rows["expired_sessions"] == ["expiry", "0", "-"]
    assert Applicant.objects.count() == 4


def test_run_retention_runs_one_rule():
    limit = records.days("RETENTION_DRAFT_DAYS")
    past = records.draft(limit + records.MARGIN)
    output = StringIO()

    call_command("run_retention", "abandoned_drafts", "--batch-size=1", stdout=output)

    assert not records.exists_applicant(past.pk)
    assert "abandoned_drafts: completed in 1 batches" in output.getvalue()
    assert "1 onboarding.Applicant" in output.getvalue()
    assert retention_entries("abandoned_drafts")[-1].detail["outcome"] == "completed"


def test_run_retention_rejects_unknown_rule():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("run_retention", "everything")
