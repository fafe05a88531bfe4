"""In Chromium: one seat, a second person on the waitlist, the first withdraws and the second
is promoted (page and mail); axe on the exchange pages."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations, assert_sound_structure
from tests.exchanges.helpers import make_exchange

SECRET = "https://meet.jit.si/ux-secret-room"


def test_withdrawal_promotes_the_first_on_the_waitlist(
    app, browser, site, users, city, other_city, log_in, smtp_server, send_mail
):
    exchange_id = make_exchange(
        app,
        users["official"].id,
        city.id,
        capacity=1,
        invited_city_ids=[other_city.id],
        video_url=SECRET,
    )
    url = f"{site}/exchanges/{exchange_id}"

    first = browser.new_context().new_page()
    log_in(first, users["participant"])
    first.goto(url)
    seat = first.get_by_role("complementary", name="Your seat")
    seat.get_by_role("button", name="Sign up").click()
    expect(first.locator(".flashes")).to_contain_text("Your seat is confirmed.")
    expect(first.get_by_role("link", name="Join on Jitsi")).to_have_attribute("href", SECRET)

    second = browser.new_context().new_page()
    log_in(second, users["other_official"])
    second.goto(url)
    seat = second.get_by_role("complementary", name="Your seat")
    seat.get_by_role("button", name="Join the waitlist").click()
    expect(second.locator(".flashes")).to_contain_text("number 1 on the waitlist")
    expect(seat).to_contain_text("You are number 1 on the waitlist.")
    expect(second.get_by_role("link", name="Join on Jitsi")).to_have_count(0)
    assert SECRET not in second.content()

    first.get_by_role("complementary", name="Your seat").get_by_role(
        "button", name="Withdraw"
    ).click()
    expect(first.locator(".flashes")).to_contain_text("You withdrew.")
    expect(first.get_by_role("link", name="Join on Jitsi")).to_have_count(0)
    assert SECRET not in first.content()

    second.reload()
    seat = second.get_by_role("complementary", name="Your seat")
    expect(seat).to_contain_text("Your seat is confirmed.")
    expect(seat.get_by_role("link", name="Join on Jitsi")).to_have_attribute("href", SECRET)

    send_mail()
    promoted = smtp_server.to(users["other_official"].email)
    assert any("A seat is yours" in m["Subject"] for m in promoted), [
        m["Subject"] for m in promoted
    ]
    mail = next(m for m in promoted if "A seat is yours" in m["Subject"])
    assert url in smtp_server.text_of(mail)
    for context in (first.context, second.context):
        context.close()


def test_exchange_form_with_errors_is_accessible(page, site, console, users, log_in):
    log_in(page, users["official"])
    page.goto(f"{site}/exchanges/new")
    form = page.locator("main form").first
    form.get_by_label("Title").fill("Night buses")
    form.get_by_label("Time zone of the times below").select_option("Europe/Rome")
    form.get_by_label("Start (date and time)").fill("2027-03-28T02:30")
    form.get_by_label("Video link").fill("http://example.org/room")
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        form.get_by_role("button", name="Schedule the exchange").click()
    assert info.value.status == 422
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("https")
    expect(page.get_by_label("Title")).to_have_value("Night buses")
    assert_no_axe_violations(page)
    assert_sound_structure(page)
    assert not console.problems, "\n".join(console.problems)


def test_exchange_form_with_an_impossible_time_is_accessible(page, site, console, users, log_in):
    log_in(page, users["official"])
    page.goto(f"{site}/exchanges/new")
    form = page.locator("main form").first
    form.get_by_label("Title").fill("Night buses across the clock change")
    form.get_by_label("Time zone of the times below").select_option("Europe/Rome")
    form.get_by_label("Start (date and time)").fill("2027-03-28T02:30")
    form.get_by_label("Video link").fill(SECRET)
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        form.get_by_role("button", name="Schedule the exchange").click()
    assert info.value.status == 422
    expect(page.locator("main")).to_contain_text("the clocks go forward")
    expect(page.get_by_label("Start (date and time)")).to_have_value("2027-03-28T02:30")
    assert_no_axe_violations(page)
    assert_sound_structure(page)
    assert not console.problems, "\n".join(console.problems)
