"""IMS QTI 2.1 and 3.0 single-response choice items, as one item file or a content package.

Reading: the item body without its interaction is the stem, the prompt is the lead-in, each
simple choice an option; the correct response marks the key. Feedback keyed by a choice
identifier (inline in the choice, a feedback block or modal feedback) explains that option; other
feedback, and rubric blocks hidden from candidates, become the explanation. Namespaces are
optional: tags are compared by local name.

Writing: a QTI 2.1 content package with one item per folder (`items/<n>/item.xml` and its
images). Fields QTI has no place for travel by a convention our reader understands:
- the stem sits in `<div class="vignette-stem">` (QTI's itemBody holds only blocks);
- the explanation, objective and references are modal feedback shown after any response, with
  the outcomes EXPLANATION, OBJECTIVE and REFERENCES (references as a list);
- tags, taxonomy codes, uid and enemies are LOM keywords of the item's manifest resource, the
  last four as machine tags (see machine_tags.py).
"""

import copy
import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote
from xml.etree.ElementTree import Element

from apps.questions.formats.archive import check_member_path, is_zip, read_zip, write_zip
from apps.questions.formats.base import (
    FormatError,
    ImageDraft,
    ImportSource,
    ItemDraft,
    OptionDraft,
    ParseResult,
    RenderedFile,
)
from apps.questions.formats.checks import Where, collect, letter
from apps.questions.formats.machine_tags import machine_tags, read_machine_tags
from apps.questions.formats.markup import markdown_inline_to_html, markdown_to_html
from apps.questions.formats.xmltree import (
    MalformedXml,
    html_to_xhtml,
    inner_html,
    parse_xml,
    remove_descendants,
    text_content,
    xml_attribute,
    xml_text,
)

QTI21_NAMESPACE = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI3_NAMESPACE = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
QTI21_SCHEMA = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_NAMESPACE = "http://www.imsglobal.org/xsd/imscp_v1p1"
LOM_NAMESPACE = "http://ltsc.ieee.org/xsd/LOM"
XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"

STEM_CLASS = "vignette-stem"
EXPLANATION, OBJECTIVE, REFERENCES = "EXPLANATION", "OBJECTIVE", "REFERENCES"

_ITEM_RESOURCE = re.compile(r"imsqti_item_xmlv\d")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
_KEBAB = re.compile(r"(?<!^)(?=[A-Z])")


@dataclass(frozen=True)
class _Dialect:
    """QTI 3 renames QTI 2.1's camelCase elements and attributes: `qti-choice-interaction`."""

    qti3: bool

    def tag(self, name: str) -> str:
        return "qti-" + _KEBAB.sub("-", name).lower() if self.qti3 else name

    def attribute(self, name: str) -> str:
        return _KEBAB.sub("-", name).lower() if self.qti3 else name

    def is_interaction(self, tag: str) -> bool:
        return tag.endswith("-interaction") if self.qti3 else tag.endswith("Interaction")


_ROOTS = {"assessmentItem": _Dialect(qti3=False), "qti-assessment-item": _Dialect(qti3=True)}


@dataclass
class _Package:
    """What an item's package tells about it: the files by package path, the item's folder
    (its images' paths are relative to it), and its manifest entry."""

    files: dict[str, bytes]
    folder: str = ""
    listed: list[str] = field(default_factory=list)  # image files the manifest lists
    keywords: list[str] = field(default_factory=list)  # the manifest's LOM keywords


def parse(source: ImportSource) -> ParseResult:
    if is_zip(source.data):
        return _parse_package(read_zip(source.data))
    root = parse_xml(source.data, what="The file")
    if root.tag == "manifest":
        raise FormatError("This is a content package manifest; upload the whole package as a zip.")
    if root.tag == "questestinterop":
        raise FormatError("QTI 1.2 (questestinterop) is not supported; export QTI 2.1 or 3.0.")
    if root.tag not in _ROOTS:
        raise FormatError(
            f"The XML root element is <{root.tag}>; "
            "expected a QTI <assessmentItem> or <qti-assessment-item>."
        )
    result = ParseResult()
    _parse_item(result, root, 1, _Package(source.files))
    return result


def _parse_package(files: dict[str, bytes]) -> ParseResult:
    manifest_path = _manifest_path(files)
    base = posixpath.dirname(manifest_path)
    manifest = parse_xml(files[manifest_path], what=manifest_path)
    resources = [
        resource
        for resource in manifest.iter("resource")
        if _ITEM_RESOURCE.match(resource.get("type", ""))
    ]
    if not resources:
        raise FormatError(
            f"{manifest_path} lists no QTI items (resources of type "
            "imsqti_item_xmlv2p1 or imsqti_item_xmlv3p0)."
        )
    result = ParseResult()
    for position, resource in enumerate(resources, start=1):
        _parse_resource(result, resource, position, base, files)
    return result


def _manifest_path(files: dict[str, bytes]) -> str:
    manifests = sorted(
        (path for path in files if posixpath.basename(path) == "imsmanifest.xml"),
        key=lambda path: (path.count("/"), path),
    )
    if not manifests:
        raise FormatError("The zip has no imsmanifest.xml, so it is not a QTI content package.")
    if len(manifests) > 1 and manifests[0].count("/") == manifests[1].count("/"):
        raise FormatError(f"The zip has several imsmanifest.xml files: {', '.join(manifests)}.")
    return manifests[0]


def _parse_resource(
    result: ParseResult, resource: Element, position: int, base: str, files: dict[str, bytes]
) -> None:
    href = resource.get("href", "")
    where = Where(position, href)  # until the item's own identifier is known
    path = _resolve(base, href)
    if path is None or path not in files:
        result.errors.append(where.error(f"the manifest lists '{href}', which is not in the zip."))
        return
    try:
        root = parse_xml(files[path], what=f"'{href}'")
    except MalformedXml as exc:
        result.errors.append(where.error(str(exc)))
        return
    if root.tag not in _ROOTS:
        result.errors.append(where.error(f"'{href}' holds <{root.tag}>, not an assessment item."))
        return
    listed = [
        listed_path
        for entry in resource.iter("file")
        if (listed_path := _resolve(base, entry.get("href", "")))
        and listed_path.lower().endswith(_IMAGE_EXTENSIONS)
    ]
    keywords = [text_content(string).strip() for string in _keyword_strings(resource)]
    package = _Package(files, posixpath.dirname(path), listed, keywords)
    _parse_item(result, root, position, package)


def _keyword_strings(resource: Element) -> list[Element]:
    return [string for keyword in resource.iter("keyword") for string in keyword.iter("string")]


def _resolve(folder: str, href: str) -> str | None:
    """The package path an href names from `folder`; None if it leaves the package."""
    if not href or href.startswith("/") or _URL_SCHEME.match(href):
        return None
    path = posixpath.normpath(posixpath.join(folder, unquote(href)))
    return None if path == ".." or path.startswith("../") else path


def _parse_item(result: ParseResult, root: Element, position: int, package: _Package) -> None:
    dialect = _ROOTS[root.tag]
    identifier = root.get("identifier", "")
    title = root.get("title", "")
    where = Where(position, identifier or title)
    body = root.find(dialect.tag("itemBody"))
    if body is None:
        result.errors.append(where.error(f"has no <{dialect.tag('itemBody')}>."))
        return
    interaction, reason = _choice_interaction(body, dialect)
    if interaction is None:
        result.skipped.append(where.skip(reason))
        return
    response = interaction.get(dialect.attribute("responseIdentifier"), "")
    declaration = next(
        (
            element
            for element in root.findall(dialect.tag("responseDeclaration"))
            if element.get("identifier") == response
        ),
        None,
    )
    if declaration is None:
        result.errors.append(where.error(f"declares no response '{response}' for its choices."))
        return
    cardinality = declaration.get("cardinality", "single")
    if cardinality != "single":
        result.skipped.append(
            where.skip(
                f"The QTI {interaction.tag} takes several answers (cardinality '{cardinality}'); "
                "only single-best-answer items are supported."
            )
        )
        return
    _read_choice_item(result, root, body, interaction, declaration, dialect, where, package)


def _choice_interaction(body: Element, dialect: _Dialect) -> tuple[Element | None, str]:
    """The item's one choice interaction, or None and why the item cannot be read."""
    interactions = [element for element in body.iter() if dialect.is_interaction(element.tag)]
    choice = dialect.tag("choiceInteraction")
    supported = f"only items with one single-response {choice} are supported."
    if not interactions:
        return None, f"The QTI item has no interaction; {supported}"
    if len(interactions) > 1:
        names = ", ".join(element.tag for element in interactions)
        return None, f"The QTI item has {len(interactions)} interactions ({names}); {supported}"
    if interactions[0].tag != choice:
        return None, f"The QTI interaction {interactions[0].tag} is not supported; {supported}"
    return interactions[0], ""


def _read_choice_item(
    result: ParseResult,
    root: Element,
    body: Element,
    interaction: Element,
    declaration: Element,
    dialect: _Dialect,
    where: Where,
    package: _Package,
) -> None:
    choices = interaction.findall(dialect.tag("simpleChoice"))
    choice_ids = [choice.get("identifier", "") for choice in choices]
    correct_response = declaration.find(dialect.tag("correctResponse"))
    if correct_response is None:
        result.errors.append(
            where.error("its response declaration has no correct response; one choice must be.")
        )
        return
    keys = [text_content(value).strip() for value in correct_response.iter(dialect.tag("value"))]
    problems = [
        f"the correct response '{key}' is not one of the choices ({', '.join(choice_ids)})."
        for key in keys
        if key not in choice_ids
    ]
    feedback = _Feedback.collect(root, body, choices, dialect)
    prompt = interaction.find(dialect.tag("prompt"))
    machine = read_machine_tags(package.keywords)
    problems += machine.problems
    draft = ItemDraft(
        position=where.position,
        stem=_stem(body, dialect),
        lead_in=inner_html(prompt).strip() if prompt is not None else "",
        options=[
            OptionDraft(
                text=_choice_text(choice, dialect),
                explanation="\n".join(feedback.options.get(identifier, [])),
                correct=identifier in keys,
            )
            for choice, identifier in zip(choices, choice_ids, strict=True)
        ],
        markup="html",
        external_id=machine.values.get("external-id", root.get("identifier", "")),
        uid=machine.values.get("uid", ""),
        title=root.get("title", ""),
        exam=machine.values.get("exam", ""),
        discipline=machine.values.get("discipline", ""),
        system=machine.values.get("system", ""),
        tags=machine.tags,
        enemies=machine.enemies,
        explanation="\n".join(feedback.explanation),
        objective="\n".join(feedback.objective),
        references=feedback.references,
        images=_images(root, package, problems),
    )
    collect(result, draft, where, problems)


@dataclass
class _Feedback:
    options: dict[str, list[str]] = field(default_factory=dict)
    explanation: list[str] = field(default_factory=list)
    objective: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)

    @classmethod
    def collect(
        cls, root: Element, body: Element, choices: list[Element], dialect: _Dialect
    ) -> "_Feedback":
        feedback = cls()
        inline = dialect.tag("feedbackInline")
        for choice in choices:
            identifier = choice.get("identifier", "")
            for element in choice.iter(inline):
                feedback.options.setdefault(identifier, []).append(_content(element))
        in_choices = {id(element) for choice in choices for element in choice.iter(inline)}
        hidden = [element for element in _hidden(body, dialect) if id(element) not in in_choices]
        modal = root.findall(dialect.tag("modalFeedback"))
        choice_ids = {choice.get("identifier", "") for choice in choices}
        for element in [*hidden, *modal]:
            feedback.add(element, dialect, choice_ids)
        return feedback

    def add(self, element: Element, dialect: _Dialect, choice_ids: set[str]) -> None:
        outcome = element.get(dialect.attribute("outcomeIdentifier"), "")
        identifier = element.get("identifier", "")
        if outcome == OBJECTIVE:
            self.objective.append(_content(element))
        elif outcome == REFERENCES:
            self.references += _references(element)
        elif outcome != EXPLANATION and identifier in choice_ids:
            self.options.setdefault(identifier, []).append(_content(element))
        else:
            self.explanation.append(_content(element))


def _hidden(body: Element, dialect: _Dialect) -> list[Element]:
    """What the item body holds that a student must not see as the question: feedback, and
    rubric blocks meant for someone other than the candidate."""
    feedback = {dialect.tag("feedbackBlock"), dialect.tag("feedbackInline")}
    rubric = dialect.tag("rubricBlock")
    return [
        element
        for element in body.iter()
        if element.tag in feedback
        or (element.tag == rubric and "candidate" not in element.get("view", "").split())
    ]


def _content(element: Element) -> str:
    # QTI 3 wraps modal feedback and feedback blocks in <qti-content-body>.
    children = list(element)
    if len(children) == 1 and children[0].tag == "qti-content-body":
        element = children[0]
    return inner_html(element).strip()


def _references(element: Element) -> list[str]:
    items = [text_content(item).strip() for item in element.iter("li")]
    if items:
        return items
    text = text_content(element).strip()
    return [text] if text else []


def _stem(body: Element, dialect: _Dialect) -> str:
    stem = copy.deepcopy(body)
    interactions = [element for element in stem.iter() if dialect.is_interaction(element.tag)]
    remove_descendants(stem, {id(element) for element in [*interactions, *_hidden(stem, dialect)]})
    children = list(stem)
    wrapped = (
        len(children) == 1
        and children[0].tag == "div"
        and children[0].get("class") == STEM_CLASS
        and not (stem.text or "").strip()
        and not (children[0].tail or "").strip()
    )
    return inner_html(children[0] if wrapped else stem).strip()


def _choice_text(choice: Element, dialect: _Dialect) -> str:
    text = copy.deepcopy(choice)
    inline = {id(element) for element in text.iter(dialect.tag("feedbackInline"))}
    remove_descendants(text, inline)
    return inner_html(text).strip()


def _images(root: Element, package: _Package, problems: list[str]) -> list[ImageDraft]:
    """The item's images: those the manifest lists for it, then any other its content shows."""
    shown: dict[str, tuple[str, str]] = {}  # package path -> (src as written, alt)
    for image in root.iter("img"):
        source = image.get("src", "")
        if not source or source.startswith(("/", "//")) or _URL_SCHEME.match(source):
            continue  # on the web, not in the upload
        path = _resolve(package.folder, source)
        if path is None:
            problems.append(f"the image '{source}' points outside the package.")
            continue
        shown.setdefault(path, (source, image.get("alt", "")))
    images = []
    for path in dict.fromkeys([*package.listed, *shown]):
        name, alt = shown.get(path, (posixpath.relpath(path, package.folder or "."), ""))
        if path in package.files:
            images.append(ImageDraft(name=name, data=package.files[path], alt=alt))
        else:
            problems.append(f"the image '{name}' is not in the upload.")
    return images


def render(items: list[ItemDraft]) -> RenderedFile:
    """A QTI 2.1 content package; FormatError if an image name cannot be a path in a zip."""
    files: dict[str, bytes] = {}
    resources = []
    for index, item in enumerate(items, start=1):
        folder = f"items/{index}"
        external_id = item.external_id or item.uid
        identifier = external_id if _IDENTIFIER.fullmatch(external_id) else f"item-{index}"
        files[f"{folder}/item.xml"] = _item_xml(item, identifier).encode("utf-8")
        for image in item.images:
            check_member_path(f"{folder}/{image.name}")
            files[f"{folder}/{image.name}"] = image.data
        # The identifier must be an XML name; the machine tag keeps an id that is not one.
        kept = None if identifier == external_id else external_id
        keywords = [*item.tags, *machine_tags(item, external_id=kept)]
        resources.append(_resource(index, folder, item, keywords))
    manifest = _manifest(resources)
    return RenderedFile(
        "vignette-qti21.zip",
        "application/zip",
        write_zip({"imsmanifest.xml": manifest.encode("utf-8"), **files}),
    )


def _html(item: ItemDraft, text: str, *, inline: bool = False) -> str:
    """XHTML for QTI; one-line fields (lead-in, option texts) stay inline, as the bank has them."""
    if item.markup != "markdown":
        return html_to_xhtml(text)
    return html_to_xhtml(markdown_inline_to_html(text) if inline else markdown_to_html(text))


def _item_xml(item: ItemDraft, identifier: str) -> str:
    extra = [
        (outcome, content)
        for outcome, content in (
            (EXPLANATION, _html(item, item.explanation)),
            (OBJECTIVE, _html(item, item.objective)),
            (REFERENCES, _references_xml(item.references)),
        )
        if content
    ]
    keys = "".join(
        f"<value>{letter(index)}</value>"
        for index, option in enumerate(item.options)
        if option.correct
    )
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<assessmentItem xmlns="{QTI21_NAMESPACE}" xmlns:xsi="{XSI_NAMESPACE}"'
        f' xsi:schemaLocation="{QTI21_NAMESPACE} {QTI21_SCHEMA}"'
        f' identifier="{xml_attribute(identifier)}" title="{xml_attribute(item.title)}"'
        ' adaptive="false" timeDependent="false">',
        '  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">',
        f"    <correctResponse>{keys}</correctResponse>",
        "  </responseDeclaration>",
        '  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float">',
        "    <defaultValue><value>0</value></defaultValue>",
        "  </outcomeDeclaration>",
        '  <outcomeDeclaration identifier="FEEDBACK" cardinality="single" baseType="identifier"/>',
        *(
            f'  <outcomeDeclaration identifier="{outcome}" cardinality="single"'
            ' baseType="identifier"/>'
            for outcome, _ in extra
        ),
        "  <itemBody>",
        *([f'    <div class="{STEM_CLASS}">{_html(item, item.stem)}</div>'] if item.stem else []),
        '    <choiceInteraction responseIdentifier="RESPONSE" shuffle="false" maxChoices="1">',
        *(
            [f"      <prompt>{_html(item, item.lead_in, inline=True)}</prompt>"]
            if item.lead_in
            else []
        ),
        *(
            f'      <simpleChoice identifier="{letter(index)}">'
            f"{_html(item, option.text, inline=True)}</simpleChoice>"
            for index, option in enumerate(item.options)
        ),
        "    </choiceInteraction>",
        "  </itemBody>",
        *_response_processing([outcome for outcome, _ in extra]),
        *(
            f'  <modalFeedback outcomeIdentifier="FEEDBACK" identifier="{letter(index)}"'
            f' showHide="show">{_html(item, option.explanation)}</modalFeedback>'
            for index, option in enumerate(item.options)
            if option.explanation
        ),
        *(
            f'  <modalFeedback outcomeIdentifier="{outcome}" identifier="{outcome}"'
            f' showHide="show">{content}</modalFeedback>'
            for outcome, content in extra
        ),
        "</assessmentItem>",
    ]
    return "\n".join(lines) + "\n"


def _references_xml(references: list[str]) -> str:
    if not references:
        return ""
    return "<ul>" + "".join(f"<li>{xml_text(reference)}</li>" for reference in references) + "</ul>"


def _response_processing(always_shown: list[str]) -> list[str]:
    """Score 1 for the key; show the chosen option's feedback, and the item's own after any
    response (its outcomes are set to their own names, which the modal feedback waits for)."""
    return [
        "  <responseProcessing>",
        "    <responseCondition>",
        "      <responseIf>",
        '        <match><variable identifier="RESPONSE"/><correct identifier="RESPONSE"/></match>',
        '        <setOutcomeValue identifier="SCORE">'
        '<baseValue baseType="float">1</baseValue></setOutcomeValue>',
        "      </responseIf>",
        "    </responseCondition>",
        '    <setOutcomeValue identifier="FEEDBACK"><variable identifier="RESPONSE"/>'
        "</setOutcomeValue>",
        *(
            f'    <setOutcomeValue identifier="{outcome}">'
            f'<baseValue baseType="identifier">{outcome}</baseValue></setOutcomeValue>'
            for outcome in always_shown
        ),
        "  </responseProcessing>",
    ]


@dataclass
class _Resource:
    identifier: str
    href: str
    files: list[str]
    keywords: list[str]


def _resource(index: int, folder: str, item: ItemDraft, keywords: list[str]) -> _Resource:
    paths = [f"{folder}/item.xml", *(f"{folder}/{image.name}" for image in item.images)]
    return _Resource(f"RES-{index}", paths[0], paths, keywords)


def _manifest(resources: list[_Resource]) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<manifest xmlns="{CP_NAMESPACE}" xmlns:imsmd="{LOM_NAMESPACE}"'
        ' identifier="vignette-export">',
        "  <metadata>",
        "    <schema>QTIv2.1 Package</schema>",
        "    <schemaversion>1.0.0</schemaversion>",
        "  </metadata>",
        "  <organizations/>",
        "  <resources>",
    ]
    for resource in resources:
        lines += [
            f'    <resource identifier="{xml_attribute(resource.identifier)}"'
            f' type="imsqti_item_xmlv2p1" href="{xml_attribute(quote(resource.href))}">',
            *_lom(resource.keywords),
            *(f'      <file href="{xml_attribute(quote(path))}"/>' for path in resource.files),
            "    </resource>",
        ]
    lines += ["  </resources>", "</manifest>"]
    return "\n".join(lines) + "\n"


def _lom(keywords: list[str]) -> list[str]:
    if not keywords:
        return []
    return [
        "      <metadata>",
        "        <imsmd:lom>",
        "          <imsmd:general>",
        *(
            f"            <imsmd:keyword><imsmd:string>{xml_text(keyword)}</imsmd:string>"
            "</imsmd:keyword>"
            for keyword in keywords
        ),
        "          </imsmd:general>",
        "        </imsmd:lom>",
        "      </metadata>",
    ]
