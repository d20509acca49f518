"""The service catalog: departments, service items, their materials and steps, and item history."""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A county, district or development zone of the city (贵池区, 东至县, 池州经开区 …)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class DepartmentLevel(models.TextChoices):
    CITY = "city", _("City department")
    COUNTY = "county", _("County or district department")
    STATIONED = "stationed", _("Stationed unit")
    UTILITY = "utility", _("Public utility")


class Department(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    level = models.CharField(_("level"), max_length=16, choices=DepartmentLevel.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="departments")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        indexes = [models.Index(fields=["level", "region"])]

    def __str__(self) -> str:
        return self.name


class ItemType(models.TextChoices):
    LICENSING = "licensing", _("Administrative licensing")
    PENALTY = "penalty", _("Administrative penalty")
    ENFORCEMENT = "enforcement", _("Administrative enforcement")
    LEVY = "levy", _("Administrative levy")
    PAYMENT = "payment", _("Administrative payment")
    INSPECTION = "inspection", _("Administrative inspection")
    CONFIRMATION = "confirmation", _("Administrative confirmation")
    REWARD = "reward", _("Administrative reward")
    ADJUDICATION = "adjudication", _("Administrative adjudication")
    OTHER_POWER = "other_power", _("Other administrative power")
    PUBLIC_SERVICE = "public_service", _("Public service")
    FILING = "filing", _("Administrative filing")


class ServedParty(models.TextChoices):
    PERSON = "person", _("Natural person")
    LEGAL = "legal", _("Legal person")
    BOTH = "both", _("Natural and legal persons")


class CaseType(models.TextChoices):
    ON_THE_SPOT = "on_the_spot", _("Handled on the spot")
    PROMISED = "promised", _("Promised time limit")


class LimitUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("Working days")
    CALENDAR_DAYS = "calendar_days", _("Calendar days")


class OnlineDepth(models.IntegerChoices):
    INFORMATION = 1, _("I · Information only")
    FORM_DOWNLOAD = 2, _("II · Form download")
    ONLINE_ACCEPTANCE = 3, _("III · Online pre-check or acceptance")
    FULLY_ONLINE = 4, _("IV · Fully online")


class ServiceItem(models.Model):
    """A government service item (政务服务事项) with the fields of the national item catalog."""

    code = models.CharField(_("implementation code"), max_length=64, unique=True)
    catalog_code = models.CharField(_("basic catalog code"), max_length=16, blank=True)
    name = models.CharField(_("item name"), max_length=200)
    item_type = models.CharField(_("item type"), max_length=20, choices=ItemType.choices)
    served_party = models.CharField(_("served party"), max_length=8, choices=ServedParty.choices, default=ServedParty.BOTH)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="service_items"
    )
    case_type = models.CharField(_("case type"), max_length=16, choices=CaseType.choices, default=CaseType.PROMISED)
    legal_limit_days = models.PositiveSmallIntegerField(_("legal time limit"), validators=[MaxValueValidator(3650)])
    promised_limit_days = models.PositiveSmallIntegerField(_("promised time limit"), validators=[MaxValueValidator(3650)])
    limit_unit = models.CharField(
        _("time-limit unit"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS
    )
    max_visits = models.PositiveSmallIntegerField(
        _("on-site visits"), default=1, validators=[MaxValueValidator(20)], help_text=_("0 means fully online.")
    )
    online_depth = models.PositiveSmallIntegerField(_("online depth"), choices=OnlineDepth.choices, default=OnlineDepth.INFORMATION)
    in_hall = models.BooleanField(_("in the service hall"), default=True)
    window_authorized = models.BooleanField(_("window holds approval authority"), default=False)
    has_authorization_letter = models.BooleanField(_("written authorisation letter"), default=False)
    fee = models.DecimalField(
        _("fee (yuan)"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    fee_basis = models.CharField(_("fee basis"), max_length=200, blank=True)
    intermediary = models.CharField(_("intermediary services"), max_length=200, blank=True)
    high_frequency = models.BooleanField(_("high frequency"), default=False)
    enterprise_related = models.BooleanField(_("enterprise related"), default=False)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    location = models.CharField(_("where to apply"), max_length=200, blank=True)
    enquiry_phone = models.CharField(_("enquiry phone"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    revision = models.PositiveIntegerField(_("revision"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        indexes = [
            models.Index(fields=["department", "code"]),
            models.Index(fields=["high_frequency", "enterprise_related"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(promised_limit_days__lte=F("legal_limit_days")),
                name="item_promised_within_legal",
                violation_error_message=_("The promised time limit may not exceed the legal one."),
            ),
            models.CheckConstraint(
                condition=~Q(online_depth=4) | Q(max_visits=0),
                name="item_fully_online_no_visits",
                violation_error_message=_("A fully online item (depth IV) requires zero on-site visits."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Necessity(models.TextChoices):
    REQUIRED = "required", _("Required")
    OPTIONAL = "optional", _("Optional")
    DEFERRABLE = "deferrable", _("Accepted now, supplied later")


class MaterialForm(models.TextChoices):
    PAPER = "paper", _("Paper")
    ELECTRONIC = "electronic", _("Electronic")
    BOTH = "both", _("Paper and electronic")


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("Supplied by the applicant")
    GOVERNMENT = "government", _("Issued by a government department")
    INTERMEDIARY = "intermediary", _("Issued by an intermediary")
    OTHER = "other", _("Other")


class Material(models.Model):
    """An application material; one issued by a government department is a certificate (证明)
    and points at the item that issues it — the edge of the certificate graph."""

    item = models.ForeignKey(ServiceItem, verbose_name=_("service item"), on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("material name"), max_length=200)
    necessity = models.CharField(_("necessity"), max_length=16, choices=Necessity.choices, default=Necessity.REQUIRED)
    form = models.CharField(_("form"), max_length=16, choices=MaterialForm.choices, default=MaterialForm.PAPER)
    source = models.CharField(_("source"), max_length=16, choices=MaterialSource.choices, default=MaterialSource.APPLICANT)
    issuing_item = models.ForeignKey(
        ServiceItem,
        verbose_name=_("issued by item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates_demanded",
    )
    copies = models.PositiveSmallIntegerField(_("paper copies"), default=1)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["item", "position"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        constraints = [models.UniqueConstraint(fields=["item", "position"], name="material_unique_position")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_certificate(self) -> bool:
        return self.source == MaterialSource.GOVERNMENT


class Step(models.Model):
    item = models.ForeignKey(ServiceItem, verbose_name=_("service item"), on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("step name"), max_length=100)
    handler = models.CharField(_("handled by"), max_length=100, blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (days)"), null=True, blank=True)

    class Meta:
        ordering = ["item", "position"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        constraints = [models.UniqueConstraint(fields=["item", "position"], name="step_unique_position")]

    def __str__(self) -> str:
        return self.name


class RevisionSource(models.TextChoices):
    ADMIN = "admin", _("Admin")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    DEMO = "demo", _("Demo data")


class ServiceItemRevision(models.Model):
    """One row per change of an item: the full state after the change, never edited."""

    item = models.ForeignKey(ServiceItem, verbose_name=_("service item"), on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField(_("revision"))
    data = models.JSONField(_("state"))
    changed_fields = models.JSONField(_("changed fields"), default=list)
    source = models.CharField(_("source"), max_length=16, choices=RevisionSource.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["item", "-revision"]
        verbose_name = _("item revision")
        verbose_name_plural = _("item revisions")
        constraints = [models.UniqueConstraint(fields=["item", "revision"], name="revision_unique_per_item")]


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Imported")
    REJECTED = "rejected", _("Rejected, nothing changed")
    FAILED = "failed", _("Failed")


class CatalogImport(models.Model):
    """A catalog spreadsheet uploaded in the admin and imported by the worker."""

    file = models.FileField(_("file"), upload_to="catalog-imports/%Y/%m/")
    original_name = models.CharField(_("original file name"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    items_created = models.PositiveIntegerField(_("items created"), default=0)
    items_updated = models.PositiveIntegerField(_("items updated"), default=0)
    errors = models.JSONField(_("rejected rows"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("catalog import")
        verbose_name_plural = _("catalog imports")
        indexes = [models.Index(fields=["status"], name="catalogimport_pending", condition=Q(status="pending"))]

    def __str__(self) -> str:
        return self.original_name


class Bundle(models.Model):
    """一件事: an ordered set of items an applicant goes through together (开办餐饮店 …)."""

    code = models.SlugField(_("code"), max_length=32, unique=True, allow_unicode=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("bundle (一件事)")
        verbose_name_plural = _("bundles (一件事)")

    def __str__(self) -> str:
        return self.name


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, verbose_name=_("bundle (一件事)"), on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(ServiceItem, verbose_name=_("service item"), on_delete=models.PROTECT, related_name="bundle_entries")
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        ordering = ["bundle", "position"]
        verbose_name = _("bundle item")
        verbose_name_plural = _("bundle items")
        constraints = [
            models.UniqueConstraint(fields=["bundle", "position"], name="bundle_unique_position"),
            models.UniqueConstraint(fields=["bundle", "item"], name="bundle_unique_item"),
        ]


class CertificateDecisionKind(models.TextChoices):
    CYCLE = "cycle", _("Circular certificate")
    SELF = "self", _("A department's own certificate")
    BUNDLE = "bundle", _("Demanded again in a bundle")


class CertificateDecision(models.Model):
    """The office's word that a relation the certificate graph flags is legitimate (a licence renewal
    that needs the original licence …): the graph stops flagging it and lists the decision instead.

    The relation is named by the problem's key, in item and bundle ids — never by names or material
    rows — so renaming an item or a certificate, re-ordering materials or moving an item to another
    department leaves the decision standing; ids are never reused, so a key never comes to mean
    another relation. ``items`` are the items the decision was taken for: for a bundle duplicate
    the items demanding the certificate then — when another item of the bundle starts demanding it
    too, the decision no longer covers the problem and it is flagged again.

    Withdrawn decisions are kept (who withdrew, when); at most one decision per key is in force."""

    kind = models.CharField(_("kind"), max_length=8, choices=CertificateDecisionKind.choices)
    key = models.CharField(_("problem key"), max_length=2000)
    items = models.JSONField(_("items covered"), default=list)
    reason = models.TextField(_("reason"), max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.SET_NULL, null=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"))
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("withdrawn by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("certificate decision")
        verbose_name_plural = _("certificate decisions")
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(withdrawn_at__isnull=True),
                                    name="certificate_decision_one_in_force"),
        ]

    def __str__(self) -> str:
        return self.key
