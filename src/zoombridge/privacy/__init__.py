"""Pseudonymize and redact Zoom data for analytics.

- `rules`: endpoints, allowed methods and query parameters, response allow-lists and transforms
  (YAML, validated at load); `default_rules()` ships default-deny rules for Zoom.
- `formats`: pseudonym formats (`zoombridge`, keyed; `psoxy`, compatible); `pseudonymizer()`
  builds one from settings.
- `transform`: a response document through an endpoint's rule.
- `bulk`: CSV and NDJSON files through column rules, streaming.
"""

from __future__ import annotations

from zoombridge.errors import BadRecords, ConfigurationError, RulesInvalid, TokenNotAccepted
from zoombridge.privacy.formats import DomainHandling, Encoding, Pseudonymizer, PseudonymOptions
from zoombridge.privacy.formats_psoxy import PsoxyPseudonymizer
from zoombridge.privacy.formats_zoombridge import ZoombridgePseudonymizer
from zoombridge.privacy.keys import PrivacyKeys, load_keys
from zoombridge.settings import PrivacySettings

__all__ = [
    "BadRecords",
    "DomainHandling",
    "Encoding",
    "PrivacyKeys",
    "PseudonymOptions",
    "Pseudonymizer",
    "PsoxyPseudonymizer",
    "RulesInvalid",
    "TokenNotAccepted",
    "ZoombridgePseudonymizer",
    "load_keys",
    "make_pseudonymizer",
    "pseudonymizer_from_settings",
]


def make_pseudonymizer(format_name: str, keys: PrivacyKeys) -> Pseudonymizer:
    """The pseudonymizer of `format_name` (`zoombridge` or `psoxy`) bound to `keys`."""
    if format_name == "zoombridge":
        return ZoombridgePseudonymizer(keys)
    if format_name == "psoxy":
        return PsoxyPseudonymizer(keys)
    raise ConfigurationError(
        f"ZOOMBRIDGE_PRIVACY__FORMAT: unknown format {format_name!r} (zoombridge | psoxy)"
    )


def pseudonymizer_from_settings(settings: PrivacySettings) -> Pseudonymizer:
    return make_pseudonymizer(settings.format, load_keys(settings))
