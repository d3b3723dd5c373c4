from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.blocks import pools, selectors, services
from apps.blocks.changes import IncomingChange
from apps.blocks.serializers import (
    BlockCreateInputSerializer,
    BlockDetailSerializer,
    BlockListInputSerializer,
    BlockSummarySerializer,
    ChangesInputSerializer,
    ChangesOutputSerializer,
    ChoiceCountsInputSerializer,
    ChoiceCountsOutputSerializer,
)
from apps.core import idempotency

TAGS = ["blocks"]


def _detail(block, now, *, status_code=status.HTTP_200_OK) -> Response:
    return Response(
        BlockDetailSerializer(selectors.block_detail(block, now)).data, status=status_code
    )


class BlockListCreateApi(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = BlockSummarySerializer

    @extend_schema(
        operation_id="blocks_list",
        parameters=[BlockListInputSerializer],
        responses={200: BlockSummarySerializer(many=True)},
        tags=TAGS,
    )
    def get(self, request):
        data = BlockListInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        blocks = services.blocks_listed(request.user, **data.validated_data)
        page = self.paginate_queryset(blocks)
        now = services.timezone.now()
        return self.get_paginated_response(
            BlockSummarySerializer([selectors.block_summary(b, now) for b in page], many=True).data
        )

    @extend_schema(
        operation_id="blocks_create",
        request=BlockCreateInputSerializer,
        responses={201: BlockDetailSerializer},
        parameters=[idempotency.PARAMETER],
        tags=TAGS,
    )
    @idempotency.idempotent
    def post(self, request):
        data = BlockCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        spec = services.BlockSpec.from_choices(data.validated_data)
        block = services.block_create(user=request.user, spec=spec)
        return _detail(block, services.timezone.now(), status_code=status.HTTP_201_CREATED)


class ChoiceCountsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="blocks_counts",
        summary="How many questions each choice of the block form would give.",
        parameters=[ChoiceCountsInputSerializer],
        responses={200: ChoiceCountsOutputSerializer},
        tags=TAGS,
    )
    def get(self, request):
        data = ChoiceCountsInputSerializer(
            data={
                name: request.query_params.getlist(name)
                for name in ("pools", "exams", "disciplines", "systems")
                if name in request.query_params
            }
        )
        data.is_valid(raise_exception=True)
        filters = pools.Filters(**{k: tuple(v) for k, v in data.validated_data.items()})
        return Response(selectors.choice_counts(user=request.user, filters=filters))


class BlockDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="blocks_retrieve", responses={200: BlockDetailSerializer}, tags=TAGS
    )
    def get(self, request, public_id):
        block, now = services.block_open(user=request.user, public_id=public_id)
        return _detail(block, now)

    @extend_schema(
        operation_id="blocks_delete",
        summary="Delete a block: gone from your views, pools and reports. Your first answers "
        "stay in the anonymous peer statistics.",
        responses={204: None},
        tags=TAGS,
    )
    def delete(self, request, public_id):
        services.block_delete(user=request.user, public_id=public_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChangesApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="blocks_changes",
        summary="Apply a batch of changes (one change is a batch of one).",
        request=ChangesInputSerializer,
        responses={200: ChangesOutputSerializer},
        tags=TAGS,
    )
    def post(self, request, public_id):
        data = ChangesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = [
            IncomingChange(
                change_id=c["id"],
                position=c["position"],
                field=c["field"],
                value=c["value"],
                client_time=c["client_time"],
            )
            for c in data.validated_data["changes"]
        ]
        result = services.changes_apply(
            user=request.user,
            public_id=public_id,
            changes=changes,
            client_now=data.validated_data["client_now"],
        )
        if result.refused:
            raise services.BlockClosed()
        body = {
            "status": result.block.status,
            "seconds_left": selectors.clock.seconds_left(result.block, result.now),
            "elapsed_seconds": selectors.clock.elapsed_seconds(result.block, result.now),
            "server_time": result.now,
            "results": [{"id": key, "outcome": value} for key, value in result.results],
            "items": [
                selectors.item_payload(result.block, item, content=False)
                for item in selectors.with_review_content(result.block, result.items)
            ],
        }
        # Built to ChangesOutputSerializer's shape (which documents it) without running it:
        # this is the endpoint every student's every click goes through.
        return Response(body)


def _action_api(name: str, service, summary: str) -> type[APIView]:
    @extend_schema(
        operation_id=f"blocks_{name}",
        summary=summary,
        request=None,
        responses={200: BlockDetailSerializer},
        parameters=[idempotency.PARAMETER],
        tags=TAGS,
    )
    @idempotency.idempotent
    def post(self, request, public_id):
        block = service(user=request.user, public_id=public_id)
        return _detail(block, services.timezone.now())

    return type(
        f"Block{name.title()}Api",
        (APIView,),
        {"permission_classes": [IsAuthenticated], "post": post},
    )


BlockSuspendApi = _action_api("suspend", services.block_suspend, "Suspend an open block.")
BlockResumeApi = _action_api("resume", services.block_resume, "Resume a suspended block.")
BlockEndApi = _action_api(
    "end", services.block_end, "End the block; every item becomes reviewable."
)
