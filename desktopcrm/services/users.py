"""Users of the office: the first admin, who is signed in on this machine, adding users."""

from __future__ import annotations

import getpass
import logging
import uuid

from desktopcrm.models import Profile, User, acting_as, schema, write_transaction
from desktopcrm.services.errors import PermissionDenied, ValidationError
from desktopcrm.settings import Settings

log = logging.getLogger("desktopcrm.users")


def os_account() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "user"


def os_full_name(account: str) -> str:
    """The account's display name (GECOS on Unix), or the account name."""
    try:
        import pwd

        gecos = pwd.getpwnam(account).pw_gecos.split(",")[0].strip()
    except (ImportError, KeyError):
        gecos = ""
    return gecos or account


def ensure_first_admin() -> User:
    """On a database without users, create an admin named after the OS account."""
    with write_transaction():
        existing = User.live().order_by(User.created_at).first()
        if existing is not None:
            return existing
        account = os_account()
        admin = User(name=os_full_name(account), os_account=account, profile=Profile.ADMIN.value)
        with acting_as(admin.id):
            admin.save()
        log.info("created the first admin user %s", admin.name)
        return admin


def signed_in_user(settings: Settings) -> User:
    """The user this machine works as on the open database.

    Remembered per machine and per database; on first use, the user whose OS account matches,
    else the first admin (created if the database has no users).
    """
    first = ensure_first_admin()
    db_id = schema.database_id()
    remembered = settings.get("current_users").get(db_id)
    user = None
    if remembered:
        try:
            user = User.live().where(User.id == uuid.UUID(remembered), User.active).first()
        except ValueError:
            user = None
    if user is None:
        user = User.live().where(User.os_account == os_account(), User.active).first()
    if user is None:
        user = User.live().where(User.profile == Profile.ADMIN.value).first() or first
    remember_user(settings, user)
    return user


def remember_user(settings: Settings, user: User) -> None:
    current = settings.get("current_users")
    db_id = schema.database_id()
    if current.get(db_id) != user.id.hex:
        current[db_id] = user.id.hex
        settings.set("current_users", current)


def list_users(include_inactive: bool = False) -> list[User]:
    query = User.live()
    if not include_inactive:
        query = query.where(User.active)
    return list(query.order_by(User.name))


def create_user(
    actor: User,
    name: str,
    *,
    email: str | None = None,
    profile: Profile = Profile.USER,
    reports_to: User | None = None,
) -> User:
    """Add a user (admins only)."""
    if not actor.is_admin:
        raise PermissionDenied("Only an admin can add users. Ask an admin of your office.")
    name = name.strip()
    if not name:
        raise ValidationError("name", "Enter the user's name.")
    if email is not None:
        email = email.strip() or None
        if email and ("@" not in email or email.startswith("@") or email.endswith("@")):
            raise ValidationError("email", f"{email} is not an email address.")
    user = User(
        name=name,
        email=email,
        profile=Profile(profile).value,
        reports_to=reports_to.id if reports_to else None,
    )
    with acting_as(actor.id):
        user.save()
    return user
