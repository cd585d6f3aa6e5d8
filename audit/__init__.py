"""The audit trail: the access log, the change history of personal-data
models, their hash chains and append-only tables, and security events.

It uses the vault only. docs/audit.md describes it.
"""
