from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from apps.accounts.models import Role


class LoginForm(AuthenticationForm):
    """Django's login form, refusing a user name longer than any account's. Django sets the
    field's max_length after building it, which adds no validator: a longer name went on to
    authenticate() and into django-axes' failed-login record, which holds 255 characters."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class SignUpForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only. Others see it in study groups.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    invite = forms.CharField(required=False, widget=forms.HiddenInput)


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Token name",
        help_text="Where you will use it, e.g. “phone app” or “my scripts”.",
    )


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        strip=False,
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label="I understand that this cannot be undone.",
        error_messages={"required": "Tick the box to confirm."},
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class InviteForm(forms.Form):
    email = forms.EmailField(
        required=False,
        help_text="Optional: only this address may use the link.",
    )
    roles = forms.MultipleChoiceField(
        choices=[c for c in Role.choices if c[0] != Role.STUDENT],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Everyone who signs up is a student; tick any roles to add.",
    )
