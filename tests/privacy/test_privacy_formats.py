"""Pseudonym formats: canonicalization, determinism, key separation, reversible tokens."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from privacy_helpers import KEY, SALT

from zoombridge.errors import ConfigurationError
from zoombridge.privacy import (
    DomainHandling,
    Encoding,
    PrivacyKeys,
    Pseudonymizer,
    PseudonymOptions,
    TokenNotAccepted,
    load_keys,
    make_pseudonymizer,
)
from zoombridge.privacy.canonical import email_identity, java_ip_text
from zoombridge.settings import PrivacySettings, load_settings

REVERSIBLE = PseudonymOptions(reversible=True)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Ada.Lovelace@Example.EDU", "ada.lovelace@example.edu"),
        ("ada+zoom@example.edu", "ada@example.edu"),
        ("ada+a+b@example.edu", "ada@example.edu"),
        ("Ada Lovelace <ada@example.edu>", "ada@example.edu"),
        ('"Lovelace, Ada" <ADA@example.edu>', "ada@example.edu"),
    ],
)
def test_spellings_of_one_mailbox_share_a_pseudonym(
    any_format: Pseudonymizer, one: str, other: str
) -> None:
    hashed = PseudonymOptions(encoding=Encoding.HASH_ONLY)
    assert any_format.pseudonymize(one, hashed) == any_format.pseudonymize(other, hashed)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ada.lovelace@example.edu", "adalovelace@example.edu"),
        ("ada@example.edu", "ada@example.org"),
        ("9bFlIkpYt5HfavHYMD5hzQ", "9bflikpyt5hfavhymd5hzq"),  # Zoom ids are case-sensitive
        ("ada@example.edu", "ada"),
    ],
)
def test_different_values_keep_different_pseudonyms(
    any_format: Pseudonymizer, one: str, other: str
) -> None:
    assert any_format.pseudonymize(one) != any_format.pseudonymize(other)


def test_ignore_dots_is_an_option() -> None:
    dots = email_identity("A.Da.L@x.org", ignore_dots=True)
    assert dots is not None
    assert dots.canonical == "adal@x.org"
    strict = email_identity("A.Da.L@x.org")
    assert strict is not None
    assert strict.canonical == "a.da.l@x.org"


@pytest.mark.parametrize("text", ["not mail", "a@@b.org", "@x.org", "ada@", "a b@x.org"])
def test_non_addresses_are_not_treated_as_mail(text: str) -> None:
    assert email_identity(text) is None


def test_domains_shown_as_each_format_says(
    zoombridge_format: Pseudonymizer, psoxy_format: Pseudonymizer
) -> None:
    assert zoombridge_format.pseudonymize("ada@Example.EDU").endswith("@example.edu")
    assert psoxy_format.pseudonymize("ada@Example.EDU").endswith("@Example.EDU")
    for name, fmt in (("z", zoombridge_format), ("p", psoxy_format)):
        redacted = fmt.pseudonymize("ada@x.org", PseudonymOptions(domain=DomainHandling.REDACT))
        assert "@" not in redacted, name
        hashed = fmt.pseudonymize("ada@x.org", PseudonymOptions(domain=DomainHandling.HASH))
        assert "x.org" not in hashed
        assert "@" in hashed
        encrypted = fmt.pseudonymize("ada@x.org", PseudonymOptions(domain=DomainHandling.ENCRYPT))
        assert "x.org" not in encrypted
        assert encrypted != hashed


def test_pseudonyms_are_deterministic_and_keyed(keys: PrivacyKeys) -> None:
    for name in ("zoombridge", "psoxy"):
        first = make_pseudonymizer(name, keys).pseudonymize("9bFlIkpYt5HfavHYMD5hzQ")
        again = make_pseudonymizer(name, keys).pseudonymize("9bFlIkpYt5HfavHYMD5hzQ")
        other_salt = make_pseudonymizer(name, PrivacyKeys.of(SALT + "x", KEY))
        assert first == again
        assert other_salt.pseudonymize("9bFlIkpYt5HfavHYMD5hzQ") != first
    zoombridge = make_pseudonymizer("zoombridge", keys).pseudonymize("x")
    psoxy = make_pseudonymizer("psoxy", keys).pseudonymize("x")
    assert zoombridge.startswith("zt~")
    assert psoxy.startswith("t~")
    assert zoombridge[3:] != psoxy[2:]


def test_zoombridge_tokens_are_pinned(zoombridge_format: Pseudonymizer) -> None:
    """Known answers of HMAC-SHA256 under HKDF(salt): a faster hash must give the same bytes,
    or existing datasets would stop joining."""
    assert zoombridge_format.pseudonymize("9bFlIkpYt5HfavHYMD5hzQ") == (
        "zt~1SvDCwl_PCYGLr_HlaXon5oz111nCp5xHhokGuxeiuA"
    )
    assert zoombridge_format.pseudonymize("Ada+x@Example.EDU") == (
        "zt~9XSHCeFJJZ62DnBFf2skJhHqFVXRV7MXhgQlR9OlHNw@example.edu"
    )


def test_salt_fingerprints_tell_salts_apart_and_hide_them(keys: PrivacyKeys) -> None:
    for name in ("zoombridge", "psoxy"):
        mine = make_pseudonymizer(name, keys).fingerprint()
        theirs = make_pseudonymizer(name, PrivacyKeys.of(SALT + "!", KEY)).fingerprint()
        assert mine != theirs
        assert SALT not in mine
        assert (
            mine
            == make_pseudonymizer(name, PrivacyKeys.of(SALT, "another-key-16-bytes")).fingerprint()
        )


def test_psoxy_scheme_as_documented(psoxy_format: Pseudonymizer) -> None:
    """The anchor's formulas, computed independently here: H = SHA-256(canonical + salt)."""
    digest = hashlib.sha256(("ada@example.edu" + SALT).encode()).digest()
    body = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert psoxy_format.pseudonymize("Ada+x@Example.edu") == f"t~{body}@Example.edu"
    assert psoxy_format.pseudonymize(
        "ada@example.edu", PseudonymOptions(encoding=Encoding.JSON)
    ) == ('{"domain":"example.edu","hash":"' + body + '"}')
    reversible = psoxy_format.pseudonymize("ada@example.edu", REVERSIBLE)
    token = reversible.split("@")[0][2:]
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert raw[:32] == digest
    assert len(raw) >= 48
    assert len(token) >= 64  # H || ciphertext
    expected = base64.b64encode(
        hashlib.sha256((SALT + "f33c366c-ae91-4819-b221-f9794ebb8145").encode()).digest()
    )
    assert psoxy_format.fingerprint() == expected.decode().replace("/", "_").replace("+", ".")
    assert psoxy_format.pseudonymize(" id ") != psoxy_format.pseudonymize("id")  # no trimming


def test_java_forms_of_ip_addresses() -> None:
    assert java_ip_text("2001:db8::1") == "2001:db8:0:0:0:0:0:1"
    assert java_ip_text("::ffff:10.0.0.1") == "10.0.0.1"
    assert java_ip_text("example.org") is None


def test_reversible_round_trip_and_join(any_format: Pseudonymizer) -> None:
    token = any_format.pseudonymize("9bFlIkpYt5HfavHYMD5hzQ", REVERSIBLE)
    assert token.startswith(any_format.reversible_prefix)
    assert any_format.reveal(token) == "9bFlIkpYt5HfavHYMD5hzQ"
    url = f"/v2/users/{token}/meetings?page_size=30"
    assert any_format.reveal_all(url) == "/v2/users/9bFlIkpYt5HfavHYMD5hzQ/meetings?page_size=30"
    mail = any_format.pseudonymize("Ada+z@Example.edu", REVERSIBLE)
    assert any_format.reveal(mail) == "Ada+z@Example.edu"  # the original, not the canonical


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=80).filter(lambda t: t.strip() == t and t.strip()))
def test_any_text_round_trips(text: str) -> None:
    for name in ("zoombridge", "psoxy"):
        fmt = make_pseudonymizer(name, PrivacyKeys.of(SALT, KEY))
        assert fmt.reveal(fmt.pseudonymize(text, REVERSIBLE).split("@")[0]) == text


def test_stale_and_foreign_keys_are_refused_with_the_key_id() -> None:
    old = make_pseudonymizer("zoombridge", PrivacyKeys.of(SALT, "the-old-key-0123456"))
    token = old.pseudonymize("9bFlIkpYt5HfavHYMD5hzQ", REVERSIBLE)
    rotated = make_pseudonymizer("zoombridge", PrivacyKeys.of(SALT, "the-new-key-0123456"))
    with pytest.raises(
        TokenNotAccepted, match=r"made with key [0-9a-f]{8}.*does not hold"
    ) as caught:
        rotated.reveal(token)
    assert caught.value.key_id == getattr(old, "key_id", None)
    keeping = make_pseudonymizer(
        "zoombridge", PrivacyKeys.of(SALT, "the-new-key-0123456", "the-old-key-0123456")
    )
    assert keeping.reveal(token) == "9bFlIkpYt5HfavHYMD5hzQ"
    assert keeping.pseudonymize("x", REVERSIBLE) == rotated.pseudonymize("x", REVERSIBLE)


def test_altered_tokens_are_refused(any_format: Pseudonymizer) -> None:
    token = any_format.pseudonymize("9bFlIkpYt5HfavHYMD5hzQ", REVERSIBLE)
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    with pytest.raises(TokenNotAccepted):
        any_format.reveal(flipped)
    with pytest.raises(TokenNotAccepted):
        any_format.reveal("not-a-token")


def test_psoxy_token_from_another_key_is_refused(keys: PrivacyKeys) -> None:
    token = make_pseudonymizer("psoxy", keys).pseudonymize("someone@x.org", REVERSIBLE)
    other = make_pseudonymizer("psoxy", PrivacyKeys.of(SALT, "a-different-key-1234"))
    with pytest.raises(TokenNotAccepted, match="fetch the listing"):
        other.reveal(token)


def test_reversible_needs_a_key() -> None:
    fmt = make_pseudonymizer("zoombridge", PrivacyKeys.of(SALT))
    assert not fmt.can_reverse
    with pytest.raises(ConfigurationError, match="ENCRYPTION_KEY"):
        fmt.pseudonymize("x", REVERSIBLE)


def test_weak_salts_are_refused_by_the_keyed_format() -> None:
    with pytest.raises(ConfigurationError, match="SALT must be at least 16"):
        make_pseudonymizer("zoombridge", PrivacyKeys.of("short"))
    assert make_pseudonymizer("psoxy", PrivacyKeys.of("salt")).pseudonymize("x").startswith("t~")


def test_keys_from_settings_and_files_never_show(tmp_path: Path) -> None:
    salt_file = tmp_path / "salt"
    salt_file.write_text(SALT + "\n")
    keys = load_keys(PrivacySettings(salt_file=salt_file, encryption_key=KEY))  # type: ignore[arg-type]
    assert keys.salt.get_secret_value() == SALT.encode()
    for shown in (repr(keys), str(keys), repr(PrivacySettings(salt=SALT))):  # type: ignore[arg-type]
        assert SALT not in shown
        assert KEY not in shown
    with pytest.raises(ConfigurationError, match="ZOOMBRIDGE_PRIVACY__SALT"):
        load_keys(PrivacySettings())
    with pytest.raises(ConfigurationError, match="not both"):
        load_keys(PrivacySettings(salt=SALT, salt_file=salt_file))  # type: ignore[arg-type]


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOOMBRIDGE_PRIVACY__SALT", SALT)
    monkeypatch.setenv("ZOOMBRIDGE_PRIVACY__FORMAT", "psoxy")
    privacy = load_settings().privacy
    assert privacy.format == "psoxy"
    assert privacy.salt.get_secret_value() == SALT
    assert re.fullmatch(
        r"[0-9a-f]{32}", make_pseudonymizer("zoombridge", load_keys(privacy)).fingerprint()
    )
