"""Retention: keep personal data only as long as its purpose needs it.

``rules`` defines what each rule removes and after how long, ``runner``
runs a rule under a lock, in batches, with one access-log entry per run,
and ``holds`` sets and lifts the legal hold that pauses every rule for an
applicant. Celery beat runs the rules through ``onboarding.tasks``;
docs/retention.md lists the schedule and the limits.
"""
