"""Password hashing that cannot starve the pages: hashes made with older argon2 parameters are
upgraded at sign-in, and sign-ins queue for a bounded number of hashing slots."""

from __future__ import annotations

from argon2 import PasswordHasher

from portal.extensions import db
from portal.security import passwords
from tests.conftest import DEFAULT_PASSWORD


def _sign_in(client, email):
    return client.post("/auth/sign-in", data={"email": email, "password": DEFAULT_PASSWORD})


def test_a_hash_with_older_parameters_still_signs_in_and_is_upgraded(client, make_user):
    older = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=2)
    user = make_user("sales")
    user.password_hash = older.hash(DEFAULT_PASSWORD)
    db.session.commit()
    assert _sign_in(client, user.email).status_code == 303
    db.session.refresh(user)
    assert not passwords.needs_rehash(user.password_hash)
    assert passwords.verify_password(user.password_hash, DEFAULT_PASSWORD)


def test_a_sign_in_finding_every_hashing_slot_taken_answers_503_and_saves_nothing(
    app, client, make_user
):
    user = make_user("sales")
    slots = passwords._slots(app.config["PASSWORD_HASHES_AT_ONCE"])
    app.config["PASSWORD_HASH_WAIT"] = 0.05
    taken = [slots.acquire() for _ in range(app.config["PASSWORD_HASHES_AT_ONCE"])]
    try:
        response = _sign_in(client, user.email)
    finally:
        for _ in taken:
            slots.release()
        app.config["PASSWORD_HASH_WAIT"] = 10.0
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    db.session.refresh(user)
    assert user.failed_logins == 0
    assert _sign_in(client, user.email).status_code == 303
