"""The project's URLs plus an API route that fails, to see how a 500 is answered."""

from django.urls import path

from apps.core.access import public
from config import urls as project_urls


@public
def failing_view(request):
    raise RuntimeError("a deliberate failure for the test")


urlpatterns = [path("api/v1/failing/", failing_view), *project_urls.urlpatterns]

handler404 = project_urls.handler404
handler500 = project_urls.handler500
