"""Anomaly rules: one small class per rule, each with a name and a threshold.

docs/detection.md lists them and explains how to add one.
"""
