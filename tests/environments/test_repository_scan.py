"""The repository holds no realistic personal data, and the scan would see it."""

import datetime
from pathlib import Path

import pytest
from stdnum import luhn

from onboarding.synthetic import HETU_CHECK_CHARACTERS
from tests import repository_scan
from vault.detector import Kind

ROOT = Path(__file__).resolve().parents[2]
ALLOW_LIST = Path(__file__).with_name("pii_allowlist.txt")


def permanent_hetu(born: datetime.date, individual: int) -> str:
    # Built here rather than written out, so this file holds no
    # realistic identity code for the scan to find.
    date_part = f"{born:%d%m%y}"
    check = HETU_CHECK_CHARACTERS[int(f"{date_part}{individual:03d}") % 31]
    return f"{date_part}-{individual:03d}{check}"


def luhn_card(prefix: str) -> str:
    return prefix + luhn.calc_check_digit(prefix)


# Realistic values, assembled at run time for the same reason.
PLANTED = {
    Kind.EMAIL: "jane.doe" + "@" + "mail-provider" + ".fi",
    Kind.PHONE: "+358 " + "40 123 " + "4567",
    Kind.NATIONAL_ID: permanent_hetu(datetime.date(1980, 5, 17), 123),
    Kind.CARD_NUMBER: luhn_card("4" + "5399" * 3 + "12"),
    Kind.IP_ADDRESS: ".".join(["81", "17", "40", "6"]),
}
RESERVED = [
    "someone@example.com",
    "someone@mail.example.org",
    "someone@host.test",
    "+44 20 7946 0123",
    "+44 7700 900123",
    "+1 212 555 0142",
    "131052-930V",
    "987-65-4320",
    "4242 4242 4242 4242",
    "192.0.2.10",
    "2001:db8::1",
    "10.0.0.1",
]


def test_repository_scan_clean():
    findings = repository_scan.scan_files(repository_scan.repository_files(ROOT), ROOT)
    allowances = repository_scan.read_allow_list(ALLOW_LIST)

    remaining = repository_scan.unexplained(findings, allowances)

    assert remaining == [], "realistic personal data: " + ", ".join(map(str, remaining))


def test_repository_scan_covers_code_and_docs():
    files = {
        path.relative_to(ROOT).as_posix()
        for path in repository_scan.repository_files(ROOT)
    }

    assert "onboarding/synthetic.py" in files
    assert "README.md" in files
    assert "tests/canaries.py" in files
    assert any(name.startswith("templates/") for name in files)
    assert any(name.startswith("docs/") for name in files)


def test_allow_list_gives_reasons():
    for allowance in repository_scan.read_allow_list(ALLOW_LIST):
        assert allowance.reason, allowance
        assert allowance.kind in {str(kind) for kind in Kind}, allowance
        assert len(allowance.digest) == repository_scan.DIGEST_LENGTH, allowance


@pytest.mark.parametrize("kind", list(PLANTED))
def test_repository_scan_finds_planted(tmp_path, kind):
    planted = tmp_path / "fixture.txt"
    planted.write_text(f"first line\nvalue: {PLANTED[kind]}\n", encoding="utf-8")

    findings = list(repository_scan.scan_files([planted], tmp_path))

    assert [(finding.line, finding.kind) for finding in findings] == [(2, kind)]
    assert PLANTED[kind] not in str(findings[0])


def test_repository_scan_finds_planted_in_subfolder(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "guide.md").write_text(PLANTED[Kind.EMAIL], encoding="utf-8")

    findings = list(repository_scan.scan_files([folder / "guide.md"], tmp_path))

    assert [finding.path for finding in findings] == ["docs/guide.md"]


@pytest.mark.parametrize("value", RESERVED)
def test_repository_scan_passes_reserved(tmp_path, value):
    reserved = tmp_path / "fixture.txt"
    reserved.write_text(f"value: {value}\n", encoding="utf-8")

    assert list(repository_scan.scan_files([reserved], tmp_path)) == []


def test_repository_scan_allow_list_by_digest(tmp_path):
    planted = tmp_path / "fixture.txt"
    planted.write_text(PLANTED[Kind.EMAIL], encoding="utf-8")
    digest = repository_scan.value_digest(PLANTED[Kind.EMAIL])
    allow_list = tmp_path / "allow.txt"
    allow_list.write_text(f"fixture.txt | email | {digest} | a documented case\n")

    findings = repository_scan.scan_files([planted], tmp_path)
    allowances = repository_scan.read_allow_list(allow_list)

    assert repository_scan.unexplained(findings, allowances) == []


def test_repository_scan_skips_binary(tmp_path):
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\0" + PLANTED[Kind.EMAIL].encode())

    assert list(repository_scan.scan_files([binary], tmp_path)) == []
