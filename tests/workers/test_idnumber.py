"""GB 11643 numbers, masks and log redaction, without a database."""

import hashlib
import hmac
from datetime import date

import pytest

from app.pii import PiiVault, mask_id_number, mask_phone, redact
from app.workers.idnumber import InvalidIdNumber, age_on, check_char, make_id_number, parse_id_number


def test_known_real_format_checksum():
    # The worked example of GB 11643-1999: 11010519491231002X.
    assert check_char("11010519491231002") == "X"
    facts = parse_id_number("11010519491231002X")
    assert facts.birth_date == date(1949, 12, 31) and facts.sex == "female"


@pytest.mark.parametrize("bad", ["110105194912310021", "11010519491331002X", "1101051949123100", "11010519491231002Y"])
def test_invalid_numbers_are_refused(bad):
    with pytest.raises(InvalidIdNumber):
        parse_id_number(bad)


def test_generated_numbers_are_valid():
    for serial in range(200):
        number = make_id_number("450225", date(2000, 2, 29), serial)
        assert parse_id_number(number).sex == ("male" if serial % 2 else "female")


def test_age_counts_birthdays():
    assert age_on(date(2010, 11, 22), date(2026, 11, 21)) == 15
    assert age_on(date(2010, 11, 21), date(2026, 11, 21)) == 16


def test_masks():
    assert mask_id_number("45022519950314123X") == "450225********123X"
    assert mask_phone("13800000000") == "138****0000"


def test_redact_finds_numbers_inside_text():
    line = 'POST body {"id_number": "45022519950314123X", "phone": "13812345678"} id=12345'
    assert redact(line) == 'POST body {"id_number": "450225********123X", "phone": "138****5678"} id=12345'


def test_vault_round_trip_and_keyed_hash():
    vault, other = PiiVault("a" * 40), PiiVault("b" * 40)
    token = vault.encrypt("45022519950314123X")
    assert vault.decrypt(token) == "45022519950314123X" and token != vault.encrypt("45022519950314123X")
    assert vault.fingerprint("45022519950314123x") == vault.fingerprint("45022519950314123X")
    assert vault.fingerprint("45022519950314123X") != other.fingerprint("45022519950314123X")


def test_fingerprints_are_hmac_sha256_with_the_derived_key_so_stored_hashes_still_match():
    secret = "a" * 40
    vault = PiiVault(secret)
    key = hmac.new(secret.encode(), b"laborbridge/hash", hashlib.sha256).digest()
    values = ["45022519950314123x", "13812340000", "韦小红", ""]
    expected = [hmac.new(key, v.upper().encode(), hashlib.sha256).hexdigest() for v in values]
    assert [vault.fingerprint(v) for v in values] == expected
    assert vault.fingerprints(values) == expected


def test_encrypt_many_round_trips_with_a_fresh_nonce_each():
    vault = PiiVault("a" * 40)
    tokens = vault.encrypt_many(["45022519950314123X", "45022519950314123X", "韦"])
    assert [vault.decrypt(t) for t in tokens] == ["45022519950314123X", "45022519950314123X", "韦"]
    assert len(set(tokens)) == 3
