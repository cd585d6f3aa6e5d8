import pytest

STAFF_PASSWORD = "TEST-ONLY-staff-password"


@pytest.fixture
def staff_password(monkeypatch) -> str:
    monkeypatch.setenv("DEMO_STAFF_PASSWORD", STAFF_PASSWORD)
    return STAFF_PASSWORD
