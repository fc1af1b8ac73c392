"""Portal accounts: people with roles, their passwords, sessions, API tokens and sign-in
throttling. The web layer asks; this package decides and stores."""

from zoombridge.accounts.roles import Role
from zoombridge.accounts.sessions import Principal
from zoombridge.errors import SignInRefused

__all__ = ["Principal", "Role", "SignInRefused"]
