"""The audit trail. It holds no models yet; the access log and the
tamper-evident change history will live here, using the vault only."""
