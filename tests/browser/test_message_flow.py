"""A company contact writes to the butler from a phone with a photo; the butler answers from the company
page; the contact reads the answer on the phone."""

import struct
import zlib

import pytest
from playwright.sync_api import expect

from butler.models import Attachment, MessageThread
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, url, username):
    page.goto(url + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_username) button[type=submit]").click()
    page.wait_for_load_state()


def _photo(path):
    """A small real PNG: 8×8 pixels of a single colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x20\x80\xc0" * 8 for _ in range(8))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return path


def test_a_contact_writes_with_a_photo_and_reads_the_butlers_answer(
    live_server, browser, world, artifacts, tmp_path
):
    photo = _photo(tmp_path / "营业执照.png")
    answer = "可以的，照片清晰。下周一带原件到窗口即可。"
    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    _sign_in(phone, live_server.url, world.contact_a.username)
    phone.get_by_test_id("message-butler").click()
    assert world.butler_a.display_name in phone.get_by_test_id("butler-name").inner_text()
    expect(phone.locator("a.call-button[href^='tel:']").first).to_be_visible()
    phone.get_by_test_id("new-thread").click()
    phone.locator("#id_subject").fill("营业执照照片")
    phone.locator("#id_body").fill("管家您好，营业执照照片这样拍可以吗？")
    phone.locator("#id_files").set_input_files(str(photo))
    phone.screenshot(path=str(artifacts / "message-new-phone.png"), full_page=True)
    phone.get_by_test_id("send").click()
    phone.wait_for_load_state()
    assert phone.locator(".message-mine .message-body").inner_text() == "管家您好，营业执照照片这样拍可以吗？"
    assert phone.locator(".attachment-link").inner_text().strip() == "营业执照.png"

    thread = MessageThread.objects.get()
    assert thread.awaiting_window
    assert Attachment.objects.get().content_type == "image/png"

    butler = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(butler, live_server.url, world.butler_a.user.username)
    butler.goto(f"{live_server.url}/companies/{world.company_a.pk}/")
    card = butler.locator(".company-messages")
    assert card.locator(".thread-unread").count() == 1
    card.locator(".thread").first.click()
    butler.wait_for_load_state()
    with butler.expect_popup() as popup:
        butler.locator(".attachment-link").click()
    image = popup.value
    image.wait_for_load_state()
    assert image.evaluate("document.contentType") == "image/png"
    image.close()
    butler.locator("#id_body").fill(answer)
    butler.get_by_test_id("send").click()
    butler.wait_for_load_state()
    assert butler.locator(".message-mine .message-body").inner_text() == answer
    butler.screenshot(path=str(artifacts / "message-thread-butler.png"), full_page=True)

    phone.goto(f"{live_server.url}/messages/")
    assert phone.locator(".thread-unread").count() == 1
    phone.locator(".thread").first.click()
    phone.wait_for_load_state()
    assert phone.locator(".message-theirs .message-body").inner_text() == answer
    assert world.butler_a.display_name in phone.locator(".message-theirs .message-author").inner_text()
    phone.screenshot(path=str(artifacts / "message-thread-phone.png"), full_page=True)
    thread.refresh_from_db()
    assert not thread.awaiting_window
    assert thread.first_response_minutes is not None
    assert thread.company_read_at >= thread.last_message_at
