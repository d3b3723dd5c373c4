from rest_framework import serializers

from apps.accounts.models import Role, User
from apps.accounts.selectors import roles_of


class MeOutputSerializer(serializers.Serializer):
    public_id = serializers.UUIDField()
    username = serializers.CharField()
    email = serializers.EmailField()
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))


class UserOutputSerializer(serializers.Serializer):
    public_id = serializers.UUIDField()
    username = serializers.CharField()
    email = serializers.EmailField()
    is_active = serializers.BooleanField()
    date_joined = serializers.DateTimeField()
    roles = serializers.SerializerMethodField()

    def get_roles(self, user) -> list[str]:
        return roles_of(user)


class RolesInputSerializer(serializers.Serializer):
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), allow_empty=True, max_length=len(Role)
    )


class RolesOutputSerializer(serializers.Serializer):
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))


class TokenOutputSerializer(serializers.Serializer):
    public_id = serializers.UUIDField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class TokenCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, trim_whitespace=True)


class TokenCreateOutputSerializer(TokenOutputSerializer):
    token = serializers.CharField(help_text="The secret. It is shown this once and never again.")


class UsernameField(serializers.CharField):
    """A user name read as the login page reads it: trimmed, then NFKC-normalised, before its
    length is checked."""

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data)
        # Normalising never shortens a name, and a name too long is refused anyway.
        if self.max_length is not None and len(value) > self.max_length:
            return value
        return User.normalize_username(value)


class SessionCreateInputSerializer(serializers.Serializer):
    username = UsernameField(max_length=150)
    # As on the login page: a password is taken exactly as typed.
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class SessionCreateOutputSerializer(serializers.Serializer):
    username = serializers.CharField()
    csrf_token = serializers.CharField(
        help_text="Logging in replaces the CSRF token: send this one in X-CSRFToken from now on."
    )
