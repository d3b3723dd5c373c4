from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.analytics import selectors
from apps.analytics.serializers import PerformanceInputSerializer, PerformanceOutputSerializer


class PerformanceApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="performance_retrieve",
        summary="Your performance report: overall and per exam, discipline and system.",
        parameters=[PerformanceInputSerializer],
        responses={200: PerformanceOutputSerializer},
        tags=["analytics"],
    )
    def get(self, request):
        data = PerformanceInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        basis = selectors.Basis(
            first_pass_only=data.validated_data["first_pass"],
            feedback=data.validated_data["feedback"],
        )
        return Response(selectors.performance(user=request.user, basis=basis))
