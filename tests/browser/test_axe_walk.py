"""Every HTML page, as each role sees it, checked by axe-core (WCAG 2.1 A/AA) in Chromium.

How to add a page (a new GET route that renders HTML)
-----------------------------------------------------
`test_every_html_route_has_a_sample` fails until the route's endpoint is in SAMPLES (or, for
a route that never answers HTML, in NOT_HTML with the reason). Add a line to SAMPLES:

    "blueprint.endpoint": ["/path/{key}"],

- A plain string is opened by every role (anonymous, participant, official, other city's
  official, moderator, admin). `{key}` placeholders are filled from the `walk_data` fixture
  below: add a key there when the page needs an object of its own (made through the services).
- More states of the same page: `Sample("/path?page=2", (ANON,))` is opened by the roles given.
- `Submit("/path", roles, form="CSS selector")` opens the page, sends that form with its text
  fields emptied (`select={name: value}` picks options, `button=` the submit button) and checks
  the page with the validation errors; the answer must be a 4xx page that shows an error.
- A page a role may not open (a redirect to the login page, 403, 404) is not checked for that
  role, but one error page of each status is. Every sample must open (200) for at least one
  role, so a sample that stopped working is noticed.

On every page opened the walk checks: no axe violation, a skip link to #main as the first
tabbable element and the first thing Tab reaches (with a visible focus indicator), a usable
language switcher in the footer, one h1 and one main landmark, unique ids, a title that names
the page, reflow at 320 CSS pixels without sideways scrolling (WCAG 1.4.10), no console error
or CSP violation. The run prints its time per role (`-s`).
"""

from __future__ import annotations

import io
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from werkzeug.datastructures import FileStorage

from tests.browser.axe import (
    STRUCTURE_SCRIPT,
    axe_violations,
    format_violations,
    reflow_problem,
    title_problem,
)
from tests.browser.conftest import ConsoleWatch

ROLES = ("anonymous", "participant", "official", "other_official", "moderator", "admin")
ANON, PART, OFF, OTHER, MOD, ADMIN = ROLES


@dataclass(frozen=True)
class Sample:
    """A URL to open as each of `roles`; with `form`, that form is then sent with its text
    fields emptied (`select` chooses options, `button` picks the submit button)."""

    path: str
    roles: tuple[str, ...] = ROLES
    form: str | None = None
    select: dict = field(default_factory=dict)
    button: str | None = None


def Submit(path, roles=(ANON,), form="main form:not([role=search])", **kwargs) -> Sample:  # noqa: N802
    """The page with the validation errors of its form sent empty."""
    return Sample(path, roles=roles, form=form, **kwargs)


# endpoint -> samples (see the module docstring). A plain string is opened by every role; the
# further states of a page are opened by the roles for whom they differ.
SAMPLES: dict[str, list] = {
    "main.index": [
        "/",
        Sample("/?page=2", (ANON,)),
        Sample("/?for=me", (PART,)),
        Sample("/?theme=mobility-transport", (ANON,)),  # nothing to show
        Sample("/?theme=health&region=eu", (ANON,)),
        Sample("/?theme=no-such-theme", (ANON,)),
    ],
    "main.preferences": ["/preferences?next=/practices/"],
    "auth.register": ["/auth/register", Submit("/auth/register")],
    "auth.check_mail": ["/auth/check-mail"],
    # A refused token lands on the login page (or the account) with an error message.
    "auth.confirm": ["/auth/confirm/not-a-token"],
    "auth.login": ["/auth/login", Submit("/auth/login")],
    "auth.reset_request": ["/auth/reset", Submit("/auth/reset")],
    "auth.reset_password": ["/auth/reset/{reset_token}", Submit("/auth/reset/{reset_token}")],
    "account.profile": [
        "/account",
        Submit("/account", (PART,), form="form[action$='/account/password']"),
    ],
    "account.delete": ["/account/delete", Submit("/account/delete", (OFF,))],
    "legal.privacy": ["/privacy"],
    "legal.accessibility": ["/accessibility"],
    "practices.index": [
        "/practices/",
        Sample("/practices/?page=2", (ANON,)),
        Sample("/practices/?q=masks", (PART,)),
        Sample("/practices/?q=zzyzxnothing", (ANON,)),
        Sample("/practices/?q=%22%29%28*", (ANON,)),  # only symbols: no words to look for
        Sample("/practices/?q=masks&theme=health&size=500k-1m", (ANON,)),
        Sample("/practices/?region=non-eu&theme=health", (OTHER,)),
    ],
    "practices.mine": ["/practices/mine"],
    "practices.new": ["/practices/new", Submit("/practices/new", (OFF,), button="[value=save]")],
    "practices.detail": [
        "/practices/{published}",  # a thread with a reply, attachments, related practices
        Sample("/practices/{draft}", (OFF, MOD)),
        Sample("/practices/{pending}", (OFF, MOD)),
        Sample("/practices/{revised}", (ANON, OFF, MOD)),  # an edit waiting for moderation
        Sample("/practices/{archived}", (ANON, OFF)),
        Sample("/practices/{changes}", (OFF, MOD)),
        Submit("/practices/{published}", (PART,), form="form[action$='/comments']"),
    ],
    "practices.edit": [
        "/practices/{draft}/edit",
        Sample("/practices/{revised}/edit", (OFF,)),
        Submit("/practices/{draft}/edit", (OFF,), button="[value=save]"),
    ],
    "practices.history": ["/practices/{revised}/history"],
    "browse.cities": ["/cities/"],
    "browse.city": [
        "/cities/{city}",
        Sample("/cities/{city}?page=2", (ANON,)),
        Sample("/cities/{other_city}", (PART,)),
    ],
    "browse.theme": ["/themes/health", Sample("/themes/mobility-transport", (ANON,))],
    "exchanges.index": [
        "/exchanges/",
        Sample("/exchanges/?when=past", (ANON,)),
        Sample("/exchanges/?mine=1", (PART,)),
        Sample("/exchanges/?theme=mobility-transport", (OTHER,)),
    ],
    "exchanges.detail": [
        "/exchanges/{full_exchange}",  # confirmed, waitlisted, organiser, full for others
        Sample("/exchanges/{past_exchange}", (ANON, OFF)),
        Sample("/exchanges/{held_exchange}", (ANON, PART, OFF)),
        Sample("/exchanges/{cancelled_exchange}", (ANON, PART)),
    ],
    "exchanges.new": ["/exchanges/new", Submit("/exchanges/new", (OFF,))],
    "exchanges.edit": ["/exchanges/{full_exchange}/edit"],
    "exchanges.participants": [
        "/exchanges/{full_exchange}/participants",
        Submit("/exchanges/{full_exchange}/participants", (OFF,), form="form[action$='/message']"),
    ],
    "exchanges.minutes": ["/exchanges/{held_exchange}/minutes"],
    "exchanges.my_calendar": ["/exchanges/calendar"],
    "comments.permalink": ["/comments/{comment}"],
    "comments.edit": ["/comments/{comment}/edit", Submit("/comments/{comment}/edit", (PART,))],
    "comments.report_comment": [
        "/comments/{comment}/report",
        Submit("/comments/{comment}/report", (OFF,)),
    ],
    "comments.report_practice": ["/practices/{published}/report"],
    "notifications.index": ["/notifications/"],
    "notifications.preferences": ["/notifications/preferences"],
    "notifications.unsubscribe": ["/notifications/unsubscribe/{unsubscribe_token}"],
    "outbox.index": [
        "/admin/outbox/",
        Sample("/admin/outbox/?status=sent", (ADMIN,)),
        Sample("/admin/outbox/?status=failed", (ADMIN,)),
    ],
    "moderation.queue": [
        "/moderation/",  # an official request, a practice, an edit and a comment waiting
        Submit(
            "/moderation/",
            (MOD,),
            form="form[action$='/decide']",
            select={"decision": "request_changes"},
        ),
    ],
    "moderation.reports": ["/moderation/reports"],
    "moderation.users": [
        "/moderation/users",
        Sample("/moderation/users?page=2", (MOD,)),
        Sample("/moderation/users?q=nobody-by-that-name", (ADMIN,)),
    ],
    "moderation.user_detail": [
        "/moderation/users/{applicant}",
        Sample("/moderation/users/{blocked}", (ADMIN,)),
    ],
    "moderation.log": ["/moderation/log", Sample("/moderation/log?action=no_such_action", (MOD,))],
}

# GET routes that never answer an HTML page, and why.
NOT_HTML = {
    "static": "stylesheets, icons",
    "main.healthz": "plain text for the load balancer",
    "browse.atom": "Atom feed",
    "exchanges.ics": "iCalendar file",
    "exchanges.personal_calendar": "iCalendar feed",
    "exchanges.participants_csv": "CSV download",
    "practices.download": "attachment download",
}
# Blueprints whose every route answers JSON (the contract says: never HTML under /api/).
NOT_HTML_BLUEPRINTS = {"api": "JSON API under /api/v1"}


def html_get_endpoints(app) -> set[str]:
    """The endpoints of GET routes that are expected to render HTML."""
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and rule.endpoint not in NOT_HTML
        and rule.endpoint.partition(".")[0] not in NOT_HTML_BLUEPRINTS
    }


def test_every_html_route_has_a_sample(app):
    """A new page must be added to SAMPLES (see the top of this file) to be walked."""
    routes = html_get_endpoints(app)
    missing = sorted(routes - set(SAMPLES))
    assert not missing, (
        "GET routes rendering HTML with no sample URL in tests/browser/test_axe_walk.py "
        f"SAMPLES (add one, or list the route in NOT_HTML if it never answers HTML): {missing}"
    )
    stale = sorted(set(SAMPLES) - routes)
    assert not stale, f"SAMPLES names endpoints that are not GET routes any more: {stale}"


# -- the data every sample needs ---------------------------------------------------------------


@pytest.fixture
def walk_data(app, factory, users, city, other_city, themes, tmp_path):
    """Content in the states worth seeing: lists long enough to page (three per page), empty
    lists, a practice with a thread and attachments, every practice status, an exchange with
    a waitlist, a held one with minutes, a cancelled one, a moderation queue with items of
    every kind, reports, notifications, a blocked account."""
    from app.comments.services import post_comment, report
    from app.exchanges.services import cancel_exchange, mark_held, record_minutes, sign_up
    from app.extensions import db
    from app.models import (
        Exchange,
        Notification,
        OfficialRequest,
        OutboxMessage,
        Practice,
        User,
    )
    from app.moderation.services import block_user
    from app.practices.attachments import add_attachment
    from app.security import make_token
    from app.timeutil import utcnow
    from tests.exchanges.helpers import make_exchange
    from tests.practices.helpers import edit_published, make_practice

    app.config["PER_PAGE"] = 3
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    official = users["official"].id
    other = users["other_official"].id
    moderator = users["moderator"].id

    published = make_practice(app, official, moderator_id=moderator, title="Masks for partners")
    for n in range(3):
        make_practice(app, official, moderator_id=moderator, title=f"Night buses, line {n + 1}")
    make_practice(
        app,
        other,
        moderator_id=moderator,
        title="Instant messages to new cases",
        themes=["health", "local-economy"],
        tags=["messages"],
    )
    data = {
        "published": published,
        "draft": make_practice(app, official, status="draft", title="Rent relief (draft)"),
        "pending": make_practice(app, official, status="pending", title="Cope with COVID portal"),
        "archived": make_practice(app, official, moderator_id=moderator, status="archived"),
        "changes": make_practice(
            app,
            official,
            moderator_id=moderator,
            status="changes_requested",
            title="Tax relief for small shops",
        ),
        "revised": make_practice(app, official, moderator_id=moderator, title="Frequent trams"),
    }
    edit_published(app, data["revised"], official, summary="Trams every five minutes " * 3)

    applicant = factory.user("participant", city_id=city.id, email="applicant@example.org")
    blocked = factory.user("participant", email="blocked@example.org", name="Bea Blocked")
    for n in range(3):
        factory.user("participant", email=f"member{n}@example.org")

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    with app.test_request_context():
        get_user = lambda uid: db.session.get(User, uid)  # noqa: E731
        participant = get_user(users["participant"].id)
        practice = db.session.get(Practice, published)
        for target in (practice, db.session.get(Practice, data["draft"])):
            add_attachment(target, get_user(official), FileStorage(io.BytesIO(pdf), "plan.pdf"))
        comment = post_comment(participant, "How did customs go?", practice=practice)
        comment.status = "visible"
        db.session.flush()
        post_comment(get_user(official), "Quickly, with the paperwork first.", parent=comment)
        post_comment(get_user(other), "We did the same in *Gwangju*.", practice=practice)
        # A newcomer's first comment waits in the queue.
        post_comment(get_user(applicant.id), "Where can I read more?", practice=practice)
        report(get_user(other), "comment", comment.id, "off_topic", "")
        report(get_user(moderator), "practice", published, "other", "Names a private person.")
        db.session.add_all(
            Notification(user_id=participant.id, kind="comment", message=text, link=link)
            for text, link in [("A reply to you", f"/comments/{comment.id}"), ("Approved", "/")]
        )
        db.session.add(
            OfficialRequest(user_id=applicant.id, city_id=city.id, message="I run the desk.")
        )
        db.session.add(
            OutboxMessage(
                message_id="<failed@localhost>",
                recipient="gone@example.org",
                subject="Your seat is confirmed",
                body_text="x",
                status=OutboxMessage.FAILED,
                attempts=6,
                last_error="550 5.1.1 no such mailbox",
            )
        )
        block_user(get_user(blocked.id), get_user(moderator), "Spam")
        reset_token = make_token(
            "reset", {"uid": participant.id, "v": participant.password_version}
        )
        from app.notifications.services import unsubscribe_token

        unsubscribe = unsubscribe_token(get_user(participant.id), "comment")
        db.session.commit()
        data["comment"] = comment.id

    past = utcnow() - timedelta(days=3)
    full = make_exchange(
        app,
        official,
        city.id,
        capacity=1,
        themes=["health"],
        invited_city_ids=[other_city.id],
        practice_ids=[published],
    )
    data.update(
        full_exchange=full,
        past_exchange=make_exchange(app, official, city.id, starts_at=past, title="Past talk"),
        held_exchange=make_exchange(app, official, city.id, starts_at=past, title="Held talk"),
        cancelled_exchange=make_exchange(app, official, city.id, title="Called off"),
    )
    for n in range(3):
        make_exchange(app, other, other_city.id, title=f"Recovery plans, part {n + 1}")
    with app.test_request_context():
        sign_up(full, get_user(users["participant"].id))
        sign_up(full, get_user(other))  # waitlisted: one seat
        held = db.session.get(Exchange, data["held_exchange"])
        mark_held(held, get_user(official))
        record_minutes(
            held, get_user(official), "We compared **mask** stocks.", "Twin cities", [published]
        )
        cancel_exchange(
            db.session.get(Exchange, data["cancelled_exchange"]), get_user(official), "Speakers ill"
        )
        db.session.commit()
    return {
        **data,
        "reset_token": reset_token,
        "unsubscribe_token": unsubscribe,
        "city": city.id,
        "other_city": other_city.id,
        "applicant": applicant.id,
        "blocked": blocked.id,
    }


# -- the walk ---------------------------------------------------------------------------------

PAGE_FACTS = """() => {
    const tabbable = [...document.querySelectorAll(
        'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]'
    )].filter((el) => !el.disabled && el.tabIndex >= 0);
    const first = tabbable[0];
    const lang = document.querySelector('footer form select[name=lang]');
    const langBox = lang && lang.getBoundingClientRect();
    const hash = (text) => {
        let h = 0;
        for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
        return h;
    };
    // The page's own part, and the frame around it (header and footer, as this role sees
    // them), without what changes from one request to the next (CSRF token, return address).
    const body = document.body.cloneNode(true);
    for (const el of body.querySelectorAll('input[type=hidden], input[type=search]')) {
        el.removeAttribute('value');
    }
    const main = body.querySelector('main');
    const mainHtml = main ? main.outerHTML : '';
    if (main) main.remove();
    for (const el of body.querySelectorAll('[aria-current]')) el.removeAttribute('aria-current');
    return {
        mainHash: hash(document.title + mainHtml),
        frameHash: hash(document.documentElement.lang + body.outerHTML),
        firstTabbable: first ? first.outerHTML.slice(0, 120) : null,
        skipFirst: !!first && first.matches('a.skip-link[href="#main"]'),
        mainTarget: !!document.querySelector('main#main'),
        autofocus: document.activeElement !== document.body,
        switcher: !!lang && !lang.disabled && lang.tabIndex >= 0 && langBox.width > 0
            && !!lang.form.querySelector('button[type=submit]')
            && lang.form.getAttribute('action').endsWith('/preferences/language'),
    };
}"""

FOCUSED = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {skip: el.matches('a.skip-link[href="#main"]'),
            ring: style.outlineStyle !== 'none' || style.boxShadow !== 'none',
            onScreen: box.left >= 0 && box.top >= 0 && box.width > 0};
}"""


def samples():
    """(key, Sample) for every sample, strings made Samples."""
    for endpoint, entries in SAMPLES.items():
        for n, entry in enumerate(entries):
            yield f"{endpoint}[{n}]", entry if isinstance(entry, Sample) else Sample(entry)


class Walk:
    """One role's pass over the samples, collecting problems instead of stopping at the first.

    Cheap where it can be: the status is asked with a plain request first (no browser page for
    a redirect to the login page), and a page is not checked again when both its content (the
    <main> element and the title) and its frame (header and footer, which differ by role) were
    already checked, on this page or others, for this role or another: moderators and admins
    see mostly the same pages, every role the same public lists. axe's rules look at elements
    and their own context; the page-wide ones (landmarks, bypass, title, lang) are covered by
    the frame and the title.
    """

    def __init__(self, role: str, page, site: str, problems: list[str], seen: dict):
        self.role, self.page, self.site, self.problems = role, page, site, problems
        self.seen = seen  # hashes of the contents and frames checked, shared by the roles
        self.console = ConsoleWatch(page)
        self.opened: set[str] = set()  # sample keys this role could open
        self.error_pages: set[int] = set()
        self.timing = Counter()

    def problem(self, text: str) -> None:
        self.problems.append(f"[{self.role}] {self.page.url}: {text}")

    def check_page(self) -> None:
        """axe, skip link, switcher, structure and console on the page now shown."""
        page = self.page
        facts = page.evaluate(PAGE_FACTS)
        key = (facts["mainHash"], facts["frameHash"])
        if key[0] in self.seen["main"] and key[1] in self.seen["frame"]:
            self.timing["same"] += 1
            return
        self.seen["main"].add(key[0])
        self.seen["frame"].add(key[1])
        if not (facts["skipFirst"] and facts["mainTarget"]):
            self.problem(f"first tabbable is not the skip link to #main: {facts['firstTabbable']}")
        if not facts["switcher"]:
            self.problem("no usable language switcher in the footer")
        # Tab starts from the focused error summary, or from the target of a #fragment.
        if not facts["autofocus"] and "#" not in page.url:
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if not all(focused.values()):
                self.problem(f"first Tab does not show the skip link with a focus ring: {focused}")
        structure = page.evaluate(STRUCTURE_SCRIPT)
        if structure["duplicateIds"] or len(structure["h1"]) != 1 or structure["mains"] != 1:
            self.problem(f"structure: {structure}")
        if title_problem(structure):
            self.problem(title_problem(structure))
        started = time.perf_counter()
        overflow = reflow_problem(page)
        self.timing["reflow"] += time.perf_counter() - started
        if overflow:
            self.problem(f"scrolls sideways at 320 px: {overflow}")
        started = time.perf_counter()
        violations = axe_violations(page)
        self.timing["axe"] += time.perf_counter() - started
        self.timing["checked"] += 1
        if violations:
            self.problem("axe:\n" + format_violations(violations))

    def visit(self, key: str, url: str) -> bool:
        """Open `url` and check it if this role may see it. True when it opened."""
        self.timing["samples"] += 1
        answer = self.page.request.get(self.site + url, max_redirects=0)
        status, location = answer.status, answer.headers.get("location", "")
        answer.dispose()
        if status == 302 and "/auth/login?next=" in location:
            return False
        if status in (403, 404) and status in self.error_pages:
            return False
        self.console.problems.clear()
        started = time.perf_counter()
        response = self.page.goto(self.site + url)
        self.timing["goto"] += time.perf_counter() - started
        self.timing["pages"] += 1
        status = response.status if response else 0
        if status == 200:
            self.opened.add(key)
            self.check_page()
        elif status in (403, 404):
            self.error_pages.add(status)
            self.check_page()
        else:
            self.problem(f"{url} answered {status}")
        if self.console.problems:
            self.problem("console: " + "; ".join(self.console.problems))
        return status == 200

    def submit(self, key: str, sample: Sample) -> None:
        """Send the form with its text fields emptied and check the page with the errors."""
        page = self.page
        form = page.locator(sample.form).first
        if form.count() == 0:
            self.problem(f"no form {sample.form!r} to submit")
            return
        self.console.problems.clear()
        with page.expect_navigation() as navigation:
            form.evaluate(
                """(form, args) => {
                    for (const el of form.elements) {
                        if (el.type === 'hidden' || el.tagName === 'BUTTON') continue;
                        if (el.name in args.select) el.value = args.select[el.name];
                        else if (el.type === 'checkbox' || el.type === 'radio') el.checked = false;
                        else if (el.tagName !== 'SELECT') el.value = '';
                    }
                    form.noValidate = true;  // the server's messages, not the browser's
                    const button = args.button ? form.querySelector(args.button) : null;
                    form.requestSubmit(button);
                }""",
                {"select": sample.select, "button": sample.button},
            )
        status = navigation.value.status
        shows_error = page.locator("#error-summary, .error, [aria-invalid=true]").count() > 0
        if not (400 <= status < 500 and shows_error):
            self.problem(f"{sample.form!r} sent empty: {status}, error shown: {shows_error}")
            return
        self.opened.add(key)
        self.check_page()
        if self.console.problems:
            self.problem("console: " + "; ".join(self.console.problems))


def test_every_page_for_every_role_passes_axe(app, browser, site, users, walk_data, log_in):
    """The walk: each role in its own browser context, every sample URL, every check."""
    assert html_get_endpoints(app) <= set(SAMPLES), "see test_every_html_route_has_a_sample"
    problems: list[str] = []
    opened_by: dict[str, set[str]] = {}
    seen = {"main": set(), "frame": set()}
    started = time.monotonic()
    timings = {}
    for role in ROLES:
        role_start = time.monotonic()
        context = browser.new_context()
        # Once per document, before any script of the page; a <script> tag would break the CSP.
        context.add_init_script(script=AXE_SCRIPT)
        page = context.new_page()
        page.set_default_timeout(10_000)
        if role != ANON:
            log_in(page, users[role])
        walk = Walk(role, page, site, problems, seen)
        for key, sample in samples():
            if role in sample.roles and walk.visit(key, sample.path.format(**walk_data)):
                if sample.form:
                    walk.submit(key, sample)
        for key in walk.opened:
            opened_by.setdefault(key, set()).add(role)
        context.close()
        timings[role] = {k: round(v, 1) for k, v in walk.timing.items()}
        timings[role]["s"] = round(time.monotonic() - role_start, 1)
    elapsed = time.monotonic() - started
    print(f"\naxe walk: {elapsed:.1f} s in all; per role: {timings}")

    never_opened = [f"{key} {sample}" for key, sample in samples() if key not in opened_by]
    assert not never_opened, f"samples no role could open (fix the sample): {never_opened}"
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)
