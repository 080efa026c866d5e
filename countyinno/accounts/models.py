from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models

from countyinno.core.audit import AuditedModel
from countyinno.core.errors import bilingual
from countyinno.core.models import TimeStampedModel
from countyinno.core.scoping import RestrictedQuerySet, ScopeRule
from countyinno.core.validators import validate_credit_code


class Organisation(AuditedModel, TimeStampedModel):
    """机构 — an enterprise, university, institute, agency, park or S&T bureau."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", "企业 enterprise"
        UNIVERSITY = "university", "高校 university"
        INSTITUTE = "institute", "科研院所 research institute"
        AGENCY = "agency", "技术转移服务机构 tech-transfer agency"
        PARK = "park", "园区/孵化器 park or incubator"
        BUREAU = "bureau", "科技管理部门 S&T bureau"

    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, db_index=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True, null=True, blank=True,
                                   validators=[validate_credit_code])
    region = models.ForeignKey("regions.Region", verbose_name="所在地区", on_delete=models.PROTECT,
                               related_name="organisations")
    address = models.CharField("地址", max_length=300, blank=True)
    contact_phone = models.CharField("联系电话", max_length=40, blank=True)
    is_active = models.BooleanField("有效", default=True)

    objects = RestrictedQuerySet.as_manager()
    scope = ScopeRule(region="region", organisation="")

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = verbose_name_plural = "机构 organisation"

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == self.Kind.BUREAU and self.region_id and not self.name:
            raise ValidationError({"name": bilingual("科技管理部门须有名称", "a bureau needs a name")})


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", "省级管理员 province admin"
    CITY_ADMIN = "city_admin", "市级管理员 city admin"
    COUNTY_ADMIN = "county_admin", "县级管理员 county admin"
    ORG_MEMBER = "org_member", "机构用户 organisation member"
    TALENT = "talent", "个人人才 individual talent"


ADMIN_ROLE_LEVEL = {Role.PROVINCE_ADMIN: "province", Role.CITY_ADMIN: "city", Role.COUNTY_ADMIN: "county"}


class CountyInnoUserManager(UserManager.from_queryset(RestrictedQuerySet)):
    pass


class User(AuditedModel, AbstractUser):
    """账号 — every user has one role; admins are tied to a region, members to an organisation."""

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.ORG_MEMBER)
    region = models.ForeignKey("regions.Region", verbose_name="管辖地区", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="users")
    organisation = models.ForeignKey(Organisation, verbose_name="所属机构", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="members")
    display_name = models.CharField("姓名", max_length=100, blank=True)
    phone = models.CharField("手机", max_length=20, blank=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    # Legacy: second factors are django-otp devices now (accounts.second_factor). A secret written here
    # (an old import) becomes a confirmed TOTP device when the user is saved, and the field is blanked.
    totp_secret = models.CharField("动态口令密钥（旧）", max_length=64, blank=True)
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)

    objects = CountyInnoUserManager()
    # Admins see the users of their area; members see colleagues; everyone sees themselves.
    scope = ScopeRule(region="organisation__region", organisation="organisation", owner="")
    audit_exclude = ("last_login", "totp_secret")

    class Meta:
        ordering = ["username"]
        verbose_name = verbose_name_plural = "用户 user"

    def __str__(self):
        return self.display_name or self.username

    @property
    def is_region_admin(self) -> bool:
        return self.role in ADMIN_ROLE_LEVEL

    @property
    def acts_for_organisation(self) -> bool:
        """Organisation rights come from membership roles; an individual talent (科技特派员) acts as a
        person even when a university or firm is their employer."""
        return self.role != Role.TALENT

    @property
    def admin_level(self) -> str | None:
        """"province" / "city" / "county" for region admins: what core's scoping reads."""
        return ADMIN_ROLE_LEVEL.get(self.role)

    def set_password(self, raw_password):
        """Record the old hash for the no-reuse rule and restart the expiry clock."""
        from django.utils import timezone

        if self.pk and self.password:
            self._previous_password = self.password
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def save(self, *args, **kwargs):
        legacy_secret, self.totp_secret = self.totp_secret, ""
        if legacy_secret and legacy_secret == getattr(self, "_converted_secret", None):
            legacy_secret = None  # already a device; this instance only remembers it
        try:
            super().save(*args, **kwargs)
        finally:
            self.totp_secret = getattr(self, "_converted_secret", None) or legacy_secret or ""
        previous = getattr(self, "_previous_password", None)
        if previous:
            PasswordHistory.objects.create(user=self, password=previous)
            self._previous_password = None
        if legacy_secret:
            from .second_factor import legacy_key_hex

            key = legacy_key_hex(legacy_secret)
            if key:
                from django_otp.plugins.otp_totp.models import TOTPDevice

                TOTPDevice.objects.filter(user=self).delete()
                TOTPDevice.objects.create(user=self, name="动态口令 authenticator", key=key, confirmed=True)
                self._converted_secret = self.totp_secret = legacy_secret

    def clean(self):
        super().clean()
        level = ADMIN_ROLE_LEVEL.get(self.role)
        if level:
            if self.region is None or self.region.level != level:
                raise ValidationError({"region": bilingual(f"该角色须关联一个{dict(province='省', city='市', county='县')[level]}级地区",
                                                           f"this role needs a {level}-level region")})
        elif self.role == Role.ORG_MEMBER and self.organisation_id is None:
            raise ValidationError({"organisation": bilingual("机构用户须属于一个机构",
                                                             "an organisation member needs an organisation")})


class PasswordHistory(models.Model):
    """Hashes of a user's previous passwords, for the no-reuse rule."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
