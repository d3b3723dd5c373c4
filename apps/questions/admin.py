from django.contrib import admin

from apps.questions.models import (
    Discipline,
    ErrorReport,
    Exam,
    ImportJob,
    Question,
    QuestionVersion,
    System,
    Tag,
)


@admin.register(Exam, System)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "order")
    ordering = ("order",)


@admin.register(Discipline)
class DisciplineAdmin(TaxonomyAdmin):
    list_display = ("name", "code", "kind", "order")
    list_filter = ("kind",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Content changes go through the bank's pages, so versions and workflow stay whole."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status", "exam", "discipline", "system", "author", "updated_at")
    list_filter = ("status", "exam", "discipline", "system")
    search_fields = ("search_document", "external_id")


@admin.register(QuestionVersion)
class QuestionVersionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "state", "created_at", "published_at")
    list_filter = ("state",)


@admin.register(ErrorReport)
class ErrorReportAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status", "created_at", "resolved_at")
    list_filter = ("status",)


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("filename", "format", "source", "status", "total", "processed", "created_at")
    list_filter = ("status", "format")
    exclude = ("data",)
