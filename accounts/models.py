from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEADER = "leader", _("Department leader")
    LIAISON = "liaison", _("Rectification liaison")
    OFFICE = "office", _("Business-environment office")
    API = "api", _("API client")


class User(AbstractUser):
    """A person (or system) using the product; one role, one department (the office has none)."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.LEADER)
    department = models.ForeignKey(
        "services.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_office(self) -> bool:
        return self.role == Role.OFFICE

    def __str__(self) -> str:
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username


class ApiToken(models.Model):
    """A key for ``Authorization: Token <key>``. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. the 12345 hotline sync."))
    prefix = models.CharField(_("key prefix"), max_length=8, help_text=_("The first characters, to tell tokens apart."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
