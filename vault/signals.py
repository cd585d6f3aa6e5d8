"""Signals the vault sends, so other apps can react without vault importing them."""

from django.dispatch import Signal

# Sent by vault.outbound before it raises OutboundPayloadRefused, with the
# keyword arguments ``integration`` (the contract's name) and ``problems``
# (a list of (field name, problem) pairs). Neither carries a field's value.
outbound_payload_refused = Signal()
