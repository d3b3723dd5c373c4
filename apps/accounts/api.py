from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import selectors, services
from apps.accounts.permissions import IsAdmin, user_roles
from apps.accounts.serializers import (
    MeOutputSerializer,
    RolesInputSerializer,
    RolesOutputSerializer,
    TokenCreateInputSerializer,
    TokenCreateOutputSerializer,
    TokenOutputSerializer,
    UserOutputSerializer,
)
from apps.core.errors import NotFound


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_retrieve", responses={200: MeOutputSerializer}, tags=["accounts"]
    )
    def get(self, request):
        user = request.user
        data = {
            "public_id": user.public_id,
            "username": user.username,
            "email": user.email,
            "roles": sorted(user_roles(user)),
        }
        return Response(MeOutputSerializer(data).data)


class TokenListCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tokens_list",
        responses={200: TokenOutputSerializer(many=True)},
        tags=["accounts"],
    )
    def get(self, request):
        tokens = selectors.api_tokens_for_user(user=request.user)
        return Response(TokenOutputSerializer(tokens, many=True).data)

    @extend_schema(
        operation_id="tokens_create",
        request=TokenCreateInputSerializer,
        responses={201: TokenCreateOutputSerializer},
        tags=["accounts"],
    )
    def post(self, request):
        data = TokenCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, secret = services.api_token_create(
            user=request.user, name=data.validated_data["name"]
        )
        token.token = secret
        return Response(TokenCreateOutputSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenRevokeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="tokens_revoke", responses={204: None}, tags=["accounts"])
    def delete(self, request, public_id):
        services.api_token_revoke(user=request.user, public_id=public_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserListApi(GenericAPIView):
    permission_classes = [IsAuthenticated, IsAdmin]
    serializer_class = UserOutputSerializer

    @extend_schema(operation_id="users_list", tags=["admin"])
    def get(self, request):
        page = self.paginate_queryset(selectors.user_list())
        return self.get_paginated_response(UserOutputSerializer(page, many=True).data)


class UserRolesApi(APIView):
    permission_classes = [IsAuthenticated, IsAdmin]

    @extend_schema(
        operation_id="users_roles_update",
        request=RolesInputSerializer,
        responses={200: RolesOutputSerializer},
        tags=["admin"],
    )
    def put(self, request, public_id):
        data = RolesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = selectors.user_by_public_id(public_id=public_id)
        if user is None:
            raise NotFound("No such user.")
        roles = services.roles_set(
            user=user, roles=data.validated_data["roles"], granted_by=request.user
        )
        return Response(RolesOutputSerializer({"roles": sorted(roles)}).data)
