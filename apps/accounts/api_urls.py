from django.urls import path

from apps.accounts import api

urlpatterns = [
    path("session/", api.SessionCreateApi.as_view(), name="session"),
    path("me/", api.MeApi.as_view(), name="me"),
    path("me/tokens/", api.TokenListCreateApi.as_view(), name="tokens"),
    path("me/tokens/<uuid:public_id>/", api.TokenRevokeApi.as_view(), name="token"),
    path("users/", api.UserListApi.as_view(), name="users"),
    path("users/<uuid:public_id>/roles/", api.UserRolesApi.as_view(), name="user_roles"),
]
