from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

from apps.core import api, health
from apps.core.access import public


@public
def home(request):
    return render(request, "core/home.html")


@public
@never_cache
def healthz(request):
    """For a load balancer: this process and its database, nothing else."""
    check = health.database_check()
    return JsonResponse(
        {"status": check.status, "detail": check.detail},
        status=200 if check.status == health.OK else 503,
    )


@public
@never_cache
def healthz_ready(request):
    healthy, report = health.readiness()
    return JsonResponse(report, status=200 if healthy else 503)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


@public
def api_not_found(request, *args, **kwargs):
    return api.json_not_found(request)


def page_not_found(request, exception=None):
    if _is_api(request):
        return api.json_not_found(request, exception)
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse(api.error_body("permission_denied", "You may not do this."), status=403)
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def csrf_failure(request, reason=""):
    message = "The form had expired or came from another site. Reload the page and try again."
    if _is_api(request):
        return JsonResponse(api.error_body("csrf_failed", message), status=403)
    return render(request, "errors/403.html", {"reason": message}, status=403)


def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse(api.error_body("invalid", "The request is malformed."), status=400)
    return render(request, "errors/400.html", status=400)


def server_error(request):
    if _is_api(request):
        return api.json_server_error(request)
    # Rendered without the request: no context processor may touch a database that is down.
    return HttpResponseServerError(render_to_string("errors/500.html"))
