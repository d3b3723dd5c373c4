import re

import pytest
from django.conf import settings

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/api/v1/docs/", "/healthz", "/api/v1/me/"]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)

    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_content_security_policy_forbids_inline_script_and_framing():
    directives = dict(
        part.strip().split(" ", 1) for part in settings.CONTENT_SECURITY_POLICY.split(";")
    )

    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/api/v1/docs/"])
def test_pages_have_no_inline_script_or_style(client, path):
    html = client.get(path).content.decode()

    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert [attrs for attrs, body in scripts if "src=" not in attrs or body.strip()] == []
    assert re.findall(r"<style\b|\sstyle=|\son[a-z]+=", html) == []


def test_pages_load_nothing_from_other_hosts(client):
    html = client.get("/").content.decode()

    assert re.findall(r"""(?:src|href)=["']https?://""", html) == []
