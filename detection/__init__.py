"""Detect and stop misuse at the edges: strict input, rate limits, anomaly rules."""
