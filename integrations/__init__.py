"""Clients of outside services. Every call passes vault's outbound gate."""
