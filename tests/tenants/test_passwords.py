"""Passwords: argon2id with RFC 9106 parameters in production; the suite's cheap profile never in production."""


def test_production_profile_hashes_with_rfc_9106_parameters(app):
    from tenants import passwords

    with app.app_context():
        app.config["PASSWORD_HASH_PROFILE"] = "default"
        try:
            strong = passwords.hash_password("correct-horse-battery")
            assert strong.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
            assert passwords.verify_password(strong, "correct-horse-battery")
            assert not passwords.verify_password(strong, "wrong-horse-battery")
            assert not passwords.verify_password(None, "correct-horse-battery")  # unknown e-mail: same work
        finally:
            app.config["PASSWORD_HASH_PROFILE"] = "cheapest"
        cheap = passwords.hash_password("correct-horse-battery")
        assert not cheap.startswith("$argon2id$v=19$m=65536")
        app.config["PASSWORD_HASH_PROFILE"] = "default"
        try:
            assert passwords.needs_rehash(cheap)  # a cheap hash would be upgraded at the next login
        finally:
            app.config["PASSWORD_HASH_PROFILE"] = "cheapest"
