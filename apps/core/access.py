"""Access declarations for page views; tests/test_access.py fails on any view without one.

Role checks live in apps.accounts.permissions, which builds on these.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login


def public(view):
    view.vignette_access = "public"
    return view


def login_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapped.vignette_access = "login"
    return wrapped
