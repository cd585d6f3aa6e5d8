"""The detection app's entries in the PII inventory."""

from vault.inventory import NotPii, declare

declare(
    NotPii(
        "detection.StaffSignInAddress",
        "address_index",
        "the blind index of a staff member's client IP address; the address "
        "itself is never stored",
    ),
)
