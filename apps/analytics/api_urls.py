from django.urls import path

from apps.analytics import api

urlpatterns = [
    path("me/performance/", api.PerformanceApi.as_view(), name="performance"),
]
