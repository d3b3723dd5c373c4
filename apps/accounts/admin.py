from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm

from apps.accounts import services
from apps.accounts.models import ApiToken, Invite, Role, User
from apps.accounts.permissions import user_roles


class UserRolesForm(UserChangeForm):
    roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta(UserChangeForm.Meta):
        model = User
        fields = (
            "username",
            "password",
            "first_name",
            "last_name",
            "email",
            "is_active",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = sorted(user_roles(self.instance))


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserRolesForm
    list_display = ("username", "email", "is_active", "date_joined", "deleted_at")
    list_filter = ("is_active", "role_grants__role")
    readonly_fields = (
        "public_id",
        "deleted_at",
        "is_staff",
        "is_superuser",
        "last_login",
        "date_joined",
    )
    fieldsets = (
        (None, {"fields": ("username", "password", "public_id")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        # Roles go through the same service as the people page; is_staff and is_superuser
        # follow the admin role.
        ("Roles", {"fields": ("roles", "is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined", "deleted_at")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "roles" in form.cleaned_data:
            services.roles_set(user=obj, roles=form.cleaned_data["roles"], granted_by=request.user)


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = (
        "public_id",
        "email",
        "roles",
        "created_by",
        "created_at",
        "expires_at",
        "used_at",
    )
    readonly_fields = ("public_id", "token_hash", "created_by", "created_at", "used_at", "used_by")
    fields = (
        "public_id",
        "email",
        "roles",
        "expires_at",
        "created_by",
        "created_at",
        "used_at",
        "used_by",
    )

    def has_add_permission(self, request):
        # The secret is shown once, so invites are made on the invites page.
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at")
    readonly_fields = ("public_id", "user", "name", "prefix", "created_at", "last_used_at")
    exclude = ("key_hash",)

    def has_add_permission(self, request):
        return False
