"""What a verification request may carry, shared by the client and the stand-in.

The provider matches the applicant against its registry by two tokens made
under a key shared with it, so neither the national ID number nor the date
of birth is sent. The reference lets the response be matched to the request,
and the country tells the provider which registry to search.
"""

from vault.outbound import DataContract, FieldForm

INTEGRATION = "identity verification"

CONTRACT = DataContract(
    integration=INTEGRATION,
    fields={
        "reference": FieldForm.PLAIN,
        "national_id_country": FieldForm.PLAIN,
        "national_id": FieldForm.TOKEN,
        "date_of_birth": FieldForm.TOKEN,
    },
)

# The outcomes a provider may return.
VERIFIED = "verified"
REJECTED = "rejected"
OUTCOMES = (VERIFIED, REJECTED)
