"""The audit app's entries in the PII inventory."""

from vault.inventory import Category, MaskStyle, NotPii, PiiField, declare

declare(
    PiiField(
        model="audit.AccessEvent",
        field="reason",
        category=Category.FREE_TEXT,
        purpose="why a staff member revealed a value, for the security review",
        retention="as long as the access log is kept",
        mask=MaskStyle.HIDDEN,
        reveal_permission="audit.view_accessevent",
        exported=False,
    ),
)

# django-auditlog copies the actor's e-mail address into this column. The
# audit app clears it before every insert and a check constraint keeps it
# empty, so no address is ever stored there.
declare(
    NotPii(
        "audit.ChangeEntry",
        "actor_email",
        "always empty: a check constraint keeps it NULL",
    ),
)

# django-axes' tables. The lockout settings use its cache handler, which
# counts failures in Redis, and turn its access log and failure log off, so
# nothing writes to these tables. tests/staff/test_lockout.py checks that
# they stay empty.
AXES_TABLE_UNUSED = (
    "django-axes runs with its cache handler and access log off, so this "
    "table stays empty"
)
declare(
    *(
        NotPii(f"axes.{model}", "ip_address", AXES_TABLE_UNUSED)
        for model in ("AccessAttempt", "AccessLog", "AccessFailureLog")
    )
)
