from django.conf import settings
from django.shortcuts import render

from apps.core.errors import VignetteError


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy header on every response (no inline script allowed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class DomainErrorMiddleware:
    """A page whose service refused (not found, not allowed, a conflict) shows an error page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, VignetteError) or request.path.startswith("/api/"):
            return None
        template = {404: "errors/404.html", 403: "errors/403.html"}.get(
            exception.status, "errors/400.html"
        )
        return render(request, template, {"reason": exception.message}, status=exception.status)
