"""Who may do what with organisations and accounts: every predicate of the app, in one place.

- admins act within their area: they register organisations and appoint admins in the regions they
  administer, and manage the organisations and accounts there;
- an organisation's members may edit its contact details (address, phone) and add colleagues; the
  registry facts (name, kind, credit code, region, active) are the admins';
- every user edits their own profile and changes their own password; an admin does not manage their
  own account (no self-deactivation, no self-appointment): a colleague or superior does;
- an individual talent acts as a person: no organisation rights.
"""

from django.db.models import Q

from countyinno.core.permissions import define
from countyinno.regions.models import Region

from .models import Organisation, User
from .roles import ADMINS, CITY, MEMBER, PROVINCE


def _not_oneself(user) -> Q:
    return ~Q(pk=user.pk)


# ------------------------------------------------------------------ organisations
can_create_organisation = define(
    "accounts.create_organisation", Region, action="add_organisation", roles=ADMINS, via=("region",),
    description="register an organisation in (or move one to) a region of one's area")
can_change_organisation = define(
    "accounts.change_organisation", Organisation, action="change", roles=ADMINS, via=("region",),
    description="change an organisation's registry facts, deactivate or reactivate it")
can_edit_organisation_contact = define(
    "accounts.edit_organisation_contact", Organisation, action="edit_contact", roles=ADMINS | {MEMBER},
    via=("region", "organisation"), description="edit the address and phone of one's own or an area's organisation")

# ------------------------------------------------------------------ accounts
can_create_user = define(
    "accounts.create_user", roles=ADMINS | {MEMBER},
    description="create accounts at all; where they may be placed is checked by the predicates below")
can_add_member = define(
    "accounts.add_member", Organisation, action="add_member", roles=ADMINS | {MEMBER}, via=("region", "organisation"),
    description="give an organisation a new account (members: colleagues of their own organisation)")
can_appoint_admin = define(
    "accounts.appoint_admin", Region, action="appoint_admin", roles=ADMINS, via=("region",),
    description="make an account the admin of a region of one's area")
can_create_individual = define(
    "accounts.create_individual", roles=ADMINS,
    description="create an account with no organisation (an individual talent)")
can_manage_user = define(
    "accounts.manage_user", User, action="manage", roles=ADMINS, via=("region",), where=_not_oneself,
    description="change another account's role, deactivate or reactivate it, reset its password")
can_edit_profile = define(
    "accounts.edit_profile", User, action="change", via=("region", "owner"),
    description="edit one's own profile, or that of an account in one's area (admins)")
can_grant_privileges = define(
    "accounts.grant_privileges", roles=(),
    description="staff and superuser flags, groups and model permissions (admin site): superusers only")
can_change_password = define(
    "accounts.change_password", User, action="change_password", via=("owner",),
    description="change one's own password")
can_list_users = define(
    "accounts.list_users", roles=ADMINS,
    description="open the account management pages (the accounts shown are those of one's area)")

# ------------------------------------------------------------------ second factor and lock-outs
can_manage_own_second_factor = define(
    "accounts.manage_own_second_factor", User, action="second_factor", via=("owner",),
    description="enrol one's own authenticator app and renew one's own recovery codes")
can_reset_second_factor = define(
    "accounts.reset_second_factor", User, action="reset_second_factor", roles=ADMINS, via=("region",),
    where=_not_oneself, description="remove a lost authenticator of another account of one's area")
second_factor_required = define(
    "accounts.second_factor_required", roles={PROVINCE, CITY},
    description="must enrol a second factor before using the platform when ADMIN_TOTP_REQUIRED is on")
can_lift_lockout = define(
    "accounts.lift_lockout", roles={PROVINCE},
    description="see the current log-in lock-outs and lift one")
