"""The identity-verification provider: its contract, client and service.

docs/integrations.md describes what is sent and why.
"""
