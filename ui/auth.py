"""Sign-in and roles: who may see the dashboard, and who may load or take child-level rows.

Sign-in is Streamlit's own (``st.login`` with the OIDC provider set in
``.streamlit/secrets.toml``, e.g. the council's Entra ID). Roles come from
``config/access.yaml`` by e-mail or group claim. Restricted pages are hidden from the
navigation *and* call :func:`require_role` first, so a page reached by its address anyway
still refuses. Without an ``[auth]`` section the app runs in local demo mode: no sign-in,
a banner saying so, a refusal to open a store that holds real returns, and no loading into
any store but the demo's (:func:`may_write`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import streamlit as st
import yaml

from etl.schemas import check_access

#: Roles from least to most; each may do everything the ones before it may.
#: A manager writes the commentary and actions for the measures they own (area pages).
ROLES = ("viewer", "manager", "analyst", "admin")
ACCESS_PATH = Path(__file__).resolve().parent.parent / "config" / "access.yaml"
DEMO_BANNER = "Demo data — no sign-in"
DEMO_WHO = "demo (no sign-in)"
#: ``oidc`` or ``none`` overrides what the secrets say (tests; a demo on a shared machine).
AUTH_ENV = "CSC_AUTH"
#: Set to 1 to run without sign-in on a store that holds real returns (a deliberate choice).
ALLOW_ENV = "CSC_ALLOW_NO_SIGNIN"
#: The role everyone has in demo mode (default analyst, so the demo can show loading).
DEMO_ROLE_ENV = "CSC_DEMO_ROLE"

#: What the demo banner says everyone may do, by the demo role.
_DEMO_REACH = {
    "viewer": "a viewer (KPI pages and board mode)",
    "manager": "a manager (KPI pages, board mode and writing commentary and actions)",
    "analyst": "an analyst (every page but the administrators' settings and audit log)",
    "admin": "an administrator (every page)",
}
_WHAT_ROLE_MAY = {
    "manager": "managers (commentary and actions)",
    "analyst": "analysts (loading returns, data quality and child-level rows)",
    "admin": "administrators",
}


@dataclass(frozen=True)
class Access:
    """``config/access.yaml``: roles by e-mail and by group claim, and the fallback role."""

    provider: str | None = None
    group_claims: tuple[str, ...] = ("groups", "roles")
    default_role: str | None = None
    users: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class User:
    """Who is using the app: recorded in the audit trail as ``who``."""

    who: str
    role: str | None
    signed_in: bool


def _role(value: object, where: str) -> str | None:
    if value in (None, "none"):
        return None
    if value not in ROLES:
        raise ValueError(f"{where}: unknown role {value!r} (use one of {', '.join(ROLES)})")
    return str(value)


def load_access(path: Path = ACCESS_PATH) -> Access:
    """Read and check the access file; an unknown role name is an error, not a silent grant."""
    raw = check_access(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    return Access(
        provider=raw.get("provider"),
        group_claims=tuple(raw.get("group_claims") or ("groups", "roles")),
        default_role=_role(raw.get("default_role"), "default_role"),
        users={str(k).lower(): _role(v, f"users.{k}") for k, v in (raw.get("users") or {}).items()},
        groups={str(k): _role(v, f"groups.{k}") for k, v in (raw.get("groups") or {}).items()},
    )


@cache
def _access() -> Access:
    return load_access()


def rank(role: str | None) -> int:
    """0 for no role, then 1, 2, 3, 4 in the order of ``ROLES``."""
    return ROLES.index(role) + 1 if role in ROLES else 0


def allows(role: str | None, minimum: str) -> bool:
    """True if ``role`` may do what ``minimum`` may."""
    return rank(role) >= rank(minimum) > 0


def roles_from(minimum: str) -> tuple[str, ...]:
    """``minimum`` and every role above it, e.g. for a page's ``roles`` in the navigation."""
    return ROLES[ROLES.index(minimum) :]


def role_for(claims: Mapping, access: Access) -> str | None:
    """The highest role the identity claims earn: by e-mail, by any group, else the default."""
    earned = [access.users.get(str(claims.get("email") or "").lower())]
    for claim in access.group_claims:
        values = claims.get(claim) or []
        values = [values] if isinstance(values, str) else values
        earned += [access.groups.get(str(v)) for v in values]
    best = max(earned, key=rank)
    return best if best is not None else access.default_role


def sign_in_required() -> bool:
    """Sign-in is on when secrets hold an ``[auth]`` section (or ``CSC_AUTH=oidc``)."""
    override = os.environ.get(AUTH_ENV, "").strip().lower()
    if override in ("oidc", "none"):
        return override == "oidc"
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all, or an unreadable one: Streamlit raises variously
        return False


def _claims() -> dict:
    return st.user.to_dict() if st.user.is_logged_in else {}


def current_user() -> User | None:
    """The user of this session, or None if sign-in is required and nobody has signed in."""
    if not sign_in_required():
        role = _role(os.environ.get(DEMO_ROLE_ENV, "analyst"), DEMO_ROLE_ENV)
        return User(DEMO_WHO, role, signed_in=False)
    claims = _claims()
    if not claims:
        return None
    who = str(claims.get("email") or claims.get("preferred_username") or claims.get("sub"))
    return User(who, role_for(claims, _access()), signed_in=True)


def who() -> str | None:
    """The name recorded for this session's actions (None if nobody is signed in)."""
    user = current_user()
    return user.who if user else None


def has_role(minimum: str) -> bool:
    """True if the current user may do what ``minimum`` may: for hiding parts of a page."""
    user = current_user()
    return user is not None and allows(user.role, minimum)


def require_role(minimum: str) -> User:
    """Stop this page, with a message saying why, unless the user has at least ``minimum``.

    Call it first in every restricted page: hiding a page from the navigation does not stop
    someone who knows its address.
    """
    user = current_user()
    if user is None or not allows(user.role, minimum):
        st.error(
            f"This page is for {_WHAT_ROLE_MAY.get(minimum, minimum + 's')} only. "
            "Ask your dashboard administrator if you need access.",
            icon=":material/lock:",
        )
        st.stop()
    return user


def _store_kind(db: Path) -> str | None:
    from metrics import api
    from ui.state import store_exists

    return api.store_kind(db) if store_exists(db) else None


#: Why the Load returns page takes no file from an anonymous visitor.
NO_SIGN_IN_LOADS = (
    "Loading returns needs sign-in. Without it anyone who can reach this app could load "
    "children's records into this store, so only the demo store may be written to. Configure "
    "sign-in (see .streamlit/secrets.example.toml), or set {allow}=1 if this machine is "
    "already restricted to the right people."
)


def may_write(db: Path) -> bool:
    """True if this session may write to the store at ``db`` (load files, log refusals).

    With sign-in, the role decides (``require_role``). Without it every visitor is anonymous,
    so the only store anyone may write is the demo's (where real returns are refused
    anyway): an empty or new store would otherwise take a stranger's file as real returns.
    ``CSC_ALLOW_NO_SIGNIN=1`` is the deliberate choice of a machine already restricted.
    """
    if sign_in_required() or os.environ.get(ALLOW_ENV) == "1":
        return True
    return _store_kind(db) == "demo"


def _sign_in_page(access: Access) -> None:
    st.title("Children's social care performance")
    st.write("Sign in with your council account to see the dashboard.")
    args = (access.provider,) if access.provider else ()
    st.button("Sign in", on_click=st.login, args=args, type="primary", icon=":material/login:")
    st.stop()


def _demo_gate(db: Path) -> User:
    kind = _store_kind(db)
    if kind not in (None, "demo") and os.environ.get(ALLOW_ENV) != "1":
        st.error(
            f"This store holds real returns, and sign-in is not set up, so the dashboard will "
            f"not open it. Configure sign-in (see .streamlit/secrets.example.toml), or set "
            f"{ALLOW_ENV}=1 if this machine is already restricted to the right people.",
            icon=":material/lock:",
        )
        st.stop()
    st.warning(
        f"**{DEMO_BANNER}.** Anyone who can reach this app uses it as "
        f"{_DEMO_REACH[current_user().role]}.",
        icon=":material/no_accounts:",
    )
    return current_user()


def gate(db: Path) -> User:
    """Run first on every page: sign-in (or the demo banner), then who is signed in.

    Stops the script on a sign-in page, a "not given access" page, or — in demo mode — a
    refusal to show real returns without sign-in.
    """
    if not sign_in_required():
        return _demo_gate(db)
    access = _access()
    user = current_user()
    if user is None:
        _sign_in_page(access)
    if user.role is None:
        st.error(
            f"You are signed in as {user.who}, but have not been given access to this "
            "dashboard. Ask your dashboard administrator.",
            icon=":material/lock:",
        )
        st.button("Sign out", on_click=st.logout)
        st.stop()
    st.sidebar.caption(f"Signed in as {user.who} ({user.role})")
    st.sidebar.button("Sign out", on_click=st.logout, icon=":material/logout:")
    return user
