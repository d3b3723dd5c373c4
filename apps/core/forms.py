from django import forms

from apps.core.errors import VignetteError


def form_add_error(form: forms.Form, error: VignetteError) -> None:
    """Show a service's refusal on a form: field messages by their fields, else the message."""
    for field, messages in error.fields.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)
