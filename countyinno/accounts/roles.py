"""Role names for predicates: `roles={PROVINCE, CITY}` reads better than the enum everywhere."""

from .models import Role

PROVINCE = Role.PROVINCE_ADMIN.value
CITY = Role.CITY_ADMIN.value
COUNTY = Role.COUNTY_ADMIN.value
MEMBER = Role.ORG_MEMBER.value
TALENT = Role.TALENT.value

ADMINS = frozenset({PROVINCE, CITY, COUNTY})
EVERY_ROLE = frozenset({PROVINCE, CITY, COUNTY, MEMBER, TALENT})
