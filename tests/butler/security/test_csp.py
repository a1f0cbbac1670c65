"""The Content Security Policy: every page is sent with a policy that allows no inline script, no eval and
no inline style, and no template brings any of them back (an inline script, an event handler attribute,
a style attribute or a <style> element), so the policy can stay strict."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from butler.messaging.services import thread_start

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "butler", "contact"])
def test_pages_are_sent_with_a_strict_policy(client, world, who):
    if who == "butler":
        client.force_login(world.butler_a.user)
    elif who == "contact":
        client.force_login(world.contact_a)
    path = {
        "anonymous": reverse("login"),
        "butler": reverse("portfolio:list"),
        "contact": reverse("portal:home"),
    }
    response = client.get(path[who])

    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"] and policy["base-uri"] == ["'self'"]
    assert "unsafe" not in response["Content-Security-Policy"]  # neither 'unsafe-inline' nor 'unsafe-eval'
    assert "Content-Security-Policy-Report-Only" not in response


@pytest.mark.django_db
def test_htmx_is_told_not_to_inject_styles_or_evaluate_code(client, world):
    client.force_login(world.contact_a)  # the portal's layout extends the window's
    body = client.get(reverse("portal:home")).content.decode()
    assert (
        """<meta name="htmx-config" content='{"includeIndicatorStyles": false, "allowEval": false}'>"""
        in body
    )


@pytest.mark.django_db
def test_a_pdf_attachment_goes_without_the_policy_so_that_the_browser_can_show_it(client, world):
    from tests.butler.messaging.test_messages import pdf

    thread = thread_start(
        actor=world.contact_a, company=world.company_a, subject="营业执照", body="请查收", files=[pdf()]
    )
    client.force_login(world.contact_a)
    response = client.get(reverse("messaging:attachment", args=[thread.messages.get().attachments.get().pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Content-Security-Policy" not in response  # Chrome's PDF viewer is an <embed> with inline styles
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("report_only", ["0", "1"])
def test_an_administrator_can_switch_the_policy_to_report_only(report_only):
    show = (
        "from django.conf import settings as s; "
        "print(bool(s.CONTENT_SECURITY_POLICY), bool(s.CONTENT_SECURITY_POLICY_REPORT_ONLY))"
    )
    environment = {
        **os.environ,
        "CSP_REPORT_ONLY": report_only,
        "DJANGO_SETTINGS_MODULE": "butler.settings.test",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter on a fixed script
        [sys.executable, "-c", f"import django; django.setup(); {show}"],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    enforced, reported = result.stdout.split()
    assert (enforced, reported) == (("False", "True") if report_only == "1" else ("True", "False"))


# --- the templates --------------------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)  # a <script> without src
SCRIPT_BODY = re.compile(r"<script\b[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"=\s*[\"']?\s*javascript:", re.IGNORECASE)
# Template comments are never sent to the browser.
COMMENT = re.compile(r"{#.*?#}|{%\s*comment\b.*?%}.*?{%\s*endcomment\s*%}", re.DOTALL)


def page_templates() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*") if path.suffix in {".html", ".svg"})


def offences(text: str) -> list[str]:
    text = COMMENT.sub("", text)
    found = [f"inline <script>: {m.group(0)}" for m in INLINE_SCRIPT.finditer(text)]
    found += [
        f"script body: {m.group(1).strip()[:60]}" for m in SCRIPT_BODY.finditer(text) if m.group(1).strip()
    ]
    found += [f"event handler: {m.group(1)}=" for m in HANDLER.finditer(text)]
    found += ["style attribute" for _ in STYLE_ATTRIBUTE.finditer(text)]
    found += ["<style> element" for _ in STYLE_ELEMENT.finditer(text)]
    found += ["javascript: URL" for _ in JAVASCRIPT_URL.finditer(text)]
    return found


def test_no_template_has_inline_script_handlers_or_styles():
    templates = page_templates()
    assert len(templates) > 50  # the walk found the product's templates
    found = {
        str(path.relative_to(TEMPLATES)): problems
        for path in templates
        if (problems := offences(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "the Content Security Policy would block these; use static files and CSS classes"


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="module">import x from "y"</script>',
        '<button onclick="go()">',
        '<form hx-on:submit="this.reset()">',
        '<div class="x" style="width: 5%">',
        "<style>.x { color: red }</style>",
        '<a href="javascript:void(0)">',
    ],
)
def test_the_template_check_catches_each_kind(snippet):
    assert offences(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="/static/vendor/htmx/htmx.min.js"></script>',
        '<link rel="stylesheet" href="/static/css/butler.css">',
        '<svg class="meter"><rect class="meter-fill" width="40" height="1"></rect></svg>',
        '<button type="button" data-print data-bs-toggle="collapse">',
        '<div class="only-styles-here">',
    ],
)
def test_the_template_check_lets_clean_markup_through(snippet):
    assert offences(snippet) == []
