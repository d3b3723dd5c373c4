from django.urls import path

from apps.analytics import views

app_name = "analytics"

urlpatterns = [
    path("performance/", views.performance, name="performance"),
    path("performance/answers.csv", views.answers_csv, name="answers_csv"),
    path("reliability/", views.reliability, name="reliability"),
]
