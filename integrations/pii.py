"""What a staging copy keeps of the integrations' tables.

OutboundCall holds no personal value, only references, field names and
outcomes, but it records when production applicants were checked and what
the provider answered, which a staging copy has no use for.
"""

from vault.anonymization import empty_on_anonymization

empty_on_anonymization(
    "integrations.OutboundCall",
    "the log of calls to outside services about production applicants",
)
