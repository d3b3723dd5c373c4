import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def test_unknown_api_path_answers_json_404(api_client):
    for path in ("/api/v1/no-such-thing/", "/api/", "/api/v2/me/"):
        response = api_client.get(path)

        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "error": {
                "code": "not_found",
                "message": "There is no API endpoint at this address.",
                "fields": {},
            }
        }


def test_wrong_method_answers_json_405(api_as, student):
    response = api_as(student).patch(reverse("me"), {}, format="json")

    assert response.status_code == 405
    assert response.json() == {
        "error": {
            "code": "method_not_allowed",
            "message": 'Method "PATCH" not allowed.',
            "fields": {},
        }
    }


def test_wrong_media_type_answers_json_415(api_as, student):
    response = api_as(student).post(reverse("tokens"), "name=x", content_type="text/plain")

    assert response.status_code == 415
    assert response.json() == {
        "error": {
            "code": "unsupported_media_type",
            "message": 'Unsupported media type "text/plain" in request.',
            "fields": {},
        }
    }


def test_body_without_a_content_type_answers_json_415(api_as, student):
    response = api_as(student).generic("POST", reverse("tokens"), b"name=x", content_type="")

    assert response.status_code == 415
    assert response.json() == {
        "error": {
            "code": "unsupported_media_type",
            "message": 'Unsupported media type "" in request.',
            "fields": {},
        }
    }


def test_malformed_json_answers_json_400_naming_the_body(api_as, student):
    """Like every 400, it says what is at fault: the body as a whole, under the name DRF gives a
    body that is not an object."""
    response = api_as(student).post(reverse("tokens"), "{", content_type="application/json")

    message = (
        "JSON parse error - Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "parse_error",
            "message": message,
            "fields": {"non_field_errors": [message]},
        }
    }


def test_body_that_is_not_an_object_answers_400_naming_the_body(api_as, student):
    response = api_as(student).post(reverse("tokens"), "[1, 2]", content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "Some of the input is not valid.",
            "fields": {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
        }
    }


@pytest.mark.urls("tests.core.urls_failing")
def test_server_error_answers_json_500_on_api_and_html_on_pages(client):
    client.raise_request_exception = False

    api = client.get("/api/v1/failing/")

    assert api.status_code == 500
    assert api.json() == {
        "error": {
            "code": "server_error",
            "message": "Something went wrong on the server. It has been logged.",
            "fields": {},
        }
    }


def test_unknown_page_answers_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert b"Page not found" in response.content
