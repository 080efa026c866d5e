"""Which parts of the platform a person uses, for menus and the home page (pages check their own predicates)."""

from countyinno.accounts.roles import ADMINS, MEMBER, TALENT
from countyinno.core.permissions import define

is_official = define("portal.official", roles=ADMINS, description="S&T officials of a province, city or county")
is_member = define("portal.member", roles={MEMBER}, description="members of an enterprise, university, institute…")
is_talent = define("portal.talent", roles={TALENT}, description="individual talents (科技特派员)")
