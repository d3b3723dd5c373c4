from django.urls import path

from apps.blocks import views

app_name = "blocks"

urlpatterns = [
    path("", views.history, name="history"),
    path("new/", views.block_new, name="new"),
    path("exam-sw.js", views.exam_service_worker, name="exam_service_worker"),
    path("new-pass/", views.new_pass, name="new_pass"),
    path("delete-all/", views.history_delete, name="history_delete"),
    path("<uuid:public_id>/", views.exam, name="exam"),
    path("<uuid:public_id>/item/<int:position>/", views.take, name="take"),
    path("<uuid:public_id>/end/", views.end, name="end"),
    path("<uuid:public_id>/suspend/", views.suspend, name="suspend"),
    path("<uuid:public_id>/results/", views.results, name="results"),
    path("<uuid:public_id>/review/<int:position>/", views.review, name="review"),
    path("<uuid:public_id>/delete/", views.delete, name="delete"),
]
