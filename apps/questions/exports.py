"""Writing questions out in an interchange format, from their newest versions."""

import dataclasses
import re

from django.conf import settings
from django.http import HttpResponse

from apps.accounts.models import User
from apps.core.errors import InvalidInput
from apps.questions import selectors, services
from apps.questions.formats import FORMATS
from apps.questions.formats.base import ImageDraft, ItemDraft, RenderedFile
from apps.questions.models import Question, QuestionImage, QuestionVersion

EXPORT_FORMATS = tuple(key for key, fmt in FORMATS.items() if fmt.can_export)
MAX_EXPORT = 20_000


def export_questions(*, user: User, format: str, filters: selectors.BankFilters) -> RenderedFile:
    services.check_can_review(user)
    if format not in EXPORT_FORMATS:
        # Named as the API's parameter and the export page's field are.
        raise InvalidInput(fields={"file_format": [f"Choose one of: {', '.join(EXPORT_FORMATS)}."]})
    questions = selectors.bank_list(user=user, filters=filters).prefetch_related(
        "enemies", "latest_version__options"
    )[:MAX_EXPORT]
    return FORMATS[format].render([question_draft(q) for q in questions])


def download(rendered: RenderedFile) -> HttpResponse:
    response = HttpResponse(rendered.data, content_type=rendered.content_type)
    response["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    return response


def question_draft(question: Question) -> ItemDraft:
    """A question's newest version as a draft, images carried along, for any format to write."""
    version: QuestionVersion = question.latest_version
    images = _images(version)
    return dataclasses.replace(
        selectors.version_draft(question, version),
        position=0,
        external_id=question.external_id or str(question.uid),
        tags=[tag.name for tag in question.tags.all()],
        enemies=[str(enemy.uid) for enemy in question.enemies.all()],
        stem=_local_names(version.stem_source, images),
        images=list(images.values()),
    )


def _images(version: QuestionVersion) -> dict[str, ImageDraft]:
    """The stored images a version's texts point at, by their media URL."""
    texts = " ".join([version.stem_source, version.explanation_source])
    pattern = re.escape(settings.MEDIA_URL) + r"(questions/[0-9a-f]{32}\.[a-z]{3,4})"
    paths = set(re.findall(pattern, texts))
    if not paths:
        return {}
    found = {}
    for image in QuestionImage.objects.filter(file__in=paths):
        name = f"image-{image.public_id.hex[:12]}.{image.extension}"
        with image.file.open("rb") as stored:
            found[image.file.url] = ImageDraft(name=name, data=stored.read(), alt=image.alt)
    return found


def _local_names(text: str, images: dict[str, ImageDraft]) -> str:
    for url, image in images.items():
        text = text.replace(url, image.name)
    return text
