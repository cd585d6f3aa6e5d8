"""The audit app's errors. Each message names the problem and the fix."""


class AuditError(Exception):
    """Base class of the audit app's errors."""


class AppendOnlyError(AuditError):
    """Code tried to change or delete an audit entry, which is append-only."""

    MESSAGE = (
        "Audit entries are append-only: record a new entry instead of changing "
        "or deleting one, and use purge_audit_trail to remove very old ones."
    )

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)
