import base64

import pytest

from portal.config import ConfigurationError, ProductionConfig, check_config
from portal.security.crypto import FieldCryptoError, Keyring, derive_dev_key, parse_keys

KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()


def test_round_trip_carries_the_key_id_and_hides_the_plaintext():
    ring = Keyring(parse_keys(f"a:{KEY_A}"))
    sealed = ring.encrypt("12-3456789")
    assert sealed.startswith("v1:a:")
    assert "3456789" not in sealed
    assert ring.encrypt("12-3456789") != sealed  # a fresh nonce every time
    assert ring.decrypt(sealed) == "12-3456789"


def test_old_key_still_decrypts_after_rotation_and_new_values_use_the_current_key():
    old = Keyring(parse_keys(f"a:{KEY_A}"))
    rotated = Keyring(parse_keys(f"b:{KEY_B},a:{KEY_A}"))
    assert rotated.decrypt(old.encrypt("x")) == "x"
    assert rotated.encrypt("x").startswith("v1:b:")


def test_tampered_or_unknown_key_ciphertext_is_refused():
    ring = Keyring(parse_keys(f"a:{KEY_A}"))
    sealed = ring.encrypt("secret")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(FieldCryptoError):
        ring.decrypt(tampered)
    with pytest.raises(FieldCryptoError):
        Keyring(parse_keys(f"b:{KEY_B}")).decrypt(sealed)


@pytest.mark.parametrize(
    "spec", ["a:notbase64!", f"a:{base64.b64encode(b'short').decode()}", f":{KEY_A}", "a:,"]
)
def test_bad_key_lists_are_refused(spec):
    with pytest.raises(FieldCryptoError):
        parse_keys(spec)


def test_duplicate_key_ids_are_refused():
    with pytest.raises(FieldCryptoError):
        parse_keys(f"a:{KEY_A},a:{KEY_B}")


def test_dev_key_is_derived_from_the_secret_key():
    assert derive_dev_key("one") == derive_dev_key("one") != derive_dev_key("two")
    assert len(derive_dev_key("one")) == 32


def _production(**overrides) -> dict:
    config = {key: getattr(ProductionConfig, key) for key in dir(ProductionConfig) if key.isupper()}
    config.update(
        SECRET_KEY="x" * 40,
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://db/portal",
        FIELD_ENCRYPTION_KEYS=f"a:{KEY_A}",
    )
    config.update(overrides)
    return config


def test_production_refuses_to_start_without_field_encryption_keys():
    check_config(_production())
    with pytest.raises(ConfigurationError, match="FIELD_ENCRYPTION_KEYS"):
        check_config(_production(FIELD_ENCRYPTION_KEYS=""))
    with pytest.raises(ConfigurationError, match="FIELD_ENCRYPTION_KEYS"):
        check_config(_production(FIELD_ENCRYPTION_KEYS="a:short"))
