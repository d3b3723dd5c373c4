from django.urls import path

from apps.blocks import api

urlpatterns = [
    path("blocks/", api.BlockListCreateApi.as_view(), name="blocks"),
    path("blocks/counts/", api.ChoiceCountsApi.as_view(), name="block_counts"),
    path("blocks/<uuid:public_id>/", api.BlockDetailApi.as_view(), name="block"),
    path("blocks/<uuid:public_id>/changes/", api.ChangesApi.as_view(), name="block_changes"),
    path("blocks/<uuid:public_id>/suspend/", api.BlockSuspendApi.as_view(), name="block_suspend"),
    path("blocks/<uuid:public_id>/resume/", api.BlockResumeApi.as_view(), name="block_resume"),
    path("blocks/<uuid:public_id>/end/", api.BlockEndApi.as_view(), name="block_end"),
]
