from django.urls import path

from apps.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.performance, name="performance"),
    path("answers.csv", views.answers_csv, name="answers_csv"),
]
