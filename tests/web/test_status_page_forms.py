"""Status pages in the dashboard: list, create, edit and delete through the forms, with
the API's validation shown beside the fields, CSRF checked and other users kept out."""

from __future__ import annotations

import re

import httpx

from api.conftest import CreateMonitor, Headers
from web.conftest import OpenBrowser, csrf_token, post_form

Form = dict[str, str | list[str]]


async def send(browser: httpx.AsyncClient, page: str, action: str, data: Form) -> httpx.Response:
    """`post_form` for forms with repeated fields (the monitor checkboxes)."""
    token = csrf_token((await browser.get(page)).text)
    return await browser.post(action, data={"csrf_token": token, **data})


def field_error(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-error" class="field-error">([^<]*)<', html)
    assert found, f"no error shown for {field}"
    return found.group(1)


async def test_a_page_is_created_edited_and_deleted_through_the_forms(
    open_browser: OpenBrowser, alice: Headers, create_monitor: CreateMonitor
) -> None:
    api = await create_monitor(alice, name="API", url="https://api.example/")
    web = await create_monitor(alice, name="Website", url="https://www.example/")
    browser = await open_browser("alice@example.com")

    empty = await browser.get("/status-pages")
    assert 'href="/status-pages" aria-current="page">Status pages</a>' in empty.text
    assert "No status pages yet" in empty.text
    form = (await browser.get("/status-pages/new")).text
    assert "<title>New status page · BetterUptime</title>" in form
    assert form.count('type="checkbox" name="monitor_ids"') == 2

    created = await send(
        browser,
        "/status-pages/new",
        "/status-pages/new",
        {"title": "Acme", "slug": "acme", "monitor_ids": [str(web["id"]), str(api["id"])]},
    )
    assert created.status_code == 303 and created.headers["location"] == "/status-pages"
    listing = (await browser.get("/status-pages")).text
    assert "Acme" in listing and 'href="/status/acme"' in listing and "2 monitors" in listing
    public = (await browser.get("/status/acme")).text
    assert public.index(">Website<") < public.index(">API<")  # the order ticked
    page_id = re.search(r'href="/status-pages/(\d+)/edit"', listing)
    assert page_id
    edit_url = f"/status-pages/{page_id.group(1)}/edit"

    edit = (await browser.get(edit_url)).text
    assert 'value="acme"' in edit and "<title>Edit status page · BetterUptime</title>" in edit
    # Chosen ones first, in their order.
    assert edit.index('class="name">Website') < edit.index('class="name">API')
    edited = await send(
        browser,
        edit_url,
        edit_url,
        {"title": "Acme Inc", "slug": "acme-inc", "monitor_ids": [str(api["id"])]},
    )
    assert edited.status_code == 303
    public = (await browser.get("/status/acme-inc")).text
    assert "Acme Inc" in public and "API" in public and "Website" not in public

    deleted = await post_form(browser, "/status-pages", f"/status-pages/{page_id.group(1)}/delete")
    assert deleted.status_code == 303
    assert (await browser.get("/status/acme-inc")).status_code == 404
    assert "No status pages yet" in (await browser.get("/status-pages")).text


async def test_invalid_input_is_shown_beside_the_fields_and_kept(
    open_browser: OpenBrowser, alice: Headers, bob: Headers, create_monitor: CreateMonitor
) -> None:
    bobs = await create_monitor(bob, name="Bob's")
    browser = await open_browser("alice@example.com")

    bad = await send(
        browser,
        "/status-pages/new",
        "/status-pages/new",
        {"title": " ", "slug": "Acme Status", "monitor_ids": []},
    )
    assert bad.status_code == 422
    assert "lowercase" in field_error(bad.text, "slug")
    assert "at least 1 character" in field_error(bad.text, "title")
    assert 'value="Acme Status"' in bad.text

    not_mine = await send(
        browser,
        "/status-pages/new",
        "/status-pages/new",
        {"title": "Acme", "slug": "acme", "monitor_ids": [str(bobs["id"])]},
    )
    assert not_mine.status_code == 422
    assert "no monitor of yours" in field_error(not_mine.text, "monitors")
    junk = await send(
        browser,
        "/status-pages/new",
        "/status-pages/new",
        {"title": "A", "slug": "acme", "monitor_ids": ["x"]},
    )
    assert junk.status_code == 422 and field_error(junk.text, "monitors")

    await send(browser, "/status-pages/new", "/status-pages/new", {"title": "Acme", "slug": "acme"})
    taken = await send(
        await open_browser("bob@example.com"),
        "/status-pages/new",
        "/status-pages/new",
        {"title": "Also Acme", "slug": "acme"},
    )
    assert taken.status_code == 409
    assert "another status page" in field_error(taken.text, "slug")


async def test_forms_without_the_csrf_token_are_refused(
    open_browser: OpenBrowser, alice: Headers
) -> None:
    browser = await open_browser("alice@example.com")

    refused = await browser.post("/status-pages/new", data={"title": "Acme", "slug": "acme"})

    assert refused.status_code == 403
    assert (await browser.get("/status/acme")).status_code == 404
    await send(browser, "/status-pages/new", "/status-pages/new", {"title": "Acme", "slug": "acme"})
    listing = (await browser.get("/status-pages")).text
    page_id = re.search(r'href="/status-pages/(\d+)/edit"', listing)
    assert page_id
    for action in ("edit", "delete"):
        response = await browser.post(
            f"/status-pages/{page_id.group(1)}/{action}", data={"title": "X"}
        )
        assert response.status_code == 403
    assert (await browser.get("/status/acme")).status_code == 200


async def test_another_users_page_cannot_be_edited_or_deleted(open_browser: OpenBrowser) -> None:
    alice = await open_browser("alice@example.com")
    await send(alice, "/status-pages/new", "/status-pages/new", {"title": "Acme", "slug": "acme"})
    page_id = re.search(r'href="/status-pages/(\d+)/edit"', (await alice.get("/status-pages")).text)
    assert page_id
    bob = await open_browser("bob@example.com")

    assert (await bob.get(f"/status-pages/{page_id.group(1)}/edit")).status_code == 404
    assert (await bob.get("/status-pages/abc/edit")).status_code == 404
    edited = await post_form(
        bob, "/status-pages", f"/status-pages/{page_id.group(1)}/edit", title="Mine", slug="mine"
    )
    deleted = await post_form(bob, "/status-pages", f"/status-pages/{page_id.group(1)}/delete")
    assert edited.status_code == 404 and deleted.status_code == 404
    assert "Acme" not in (await bob.get("/status-pages")).text
    assert (await bob.get("/status/acme")).status_code == 200


async def test_the_pages_need_a_signed_in_user(open_browser: OpenBrowser) -> None:
    visitor = await open_browser(None)

    response = await visitor.get("/status-pages")

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/status-pages"
