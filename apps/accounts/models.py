from decimal import Decimal
from uuid import uuid4

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class Role(models.TextChoices):
    STUDENT = "student", "Student"
    AUTHOR = "author", "Author"
    EDITOR = "editor", "Editor"
    ADMIN = "admin", "Admin"


class User(AbstractUser):
    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    # Set when the owner deletes the account: the row stays, anonymised, so that first
    # exposures can remain in peer statistics without naming anyone.
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Block time is 90 s per item times this: 1.25, 1.5 or 2 for accommodations or practice.
    pace_multiplier = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("1.00"))
    # A second pass starts the pools afresh; earlier passes stay visible, labelled by pass.
    current_pass = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pace_multiplier__gte=1, pace_multiplier__lte=3),
                name="user_pace_multiplier_range",
            ),
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="user_email_unique_ci"
            ),
        ]

    def __str__(self) -> str:
        return self.username


class RoleGrant(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="rolegrant_user_role_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="rolegrant_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.get_role_display()}"


class Invite(models.Model):
    """A sign-up link an admin created; the link's secret is stored hashed."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField(blank=True, help_text="If set, only this address may use it.")
    roles = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invite {self.public_id} for {self.email or 'anyone'}"


class ApiToken(models.Model):
    """A personal API token; the secret is shown once and stored as a SHA-256 hash."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=12, help_text="The token's first characters, to recognise it."
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="apitoken_user_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
