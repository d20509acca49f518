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
