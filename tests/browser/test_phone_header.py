"""The header on a phone: every link fits, nothing scrolls sideways or is cut off, and the
cart's count is fully visible, signed in (the longer menu) or not, at 360 and 390 px wide."""

import pytest

from ..accounts.factories import PASSWORD, make_user
from .conftest import ARTIFACTS, assert_accessible

pytestmark = pytest.mark.browser

# Each element of the header that sticks out of the page, or out of a box that clips it.
CLIPPED = r"""() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const header = document.querySelector('.site-header');
  for (const el of [header, ...header.querySelectorAll('*')]) {
    if (el.closest('.visually-hidden')) continue;  // clipped on purpose: read by screen readers only
    const box = el.getBoundingClientRect();
    const name = el.tagName + (el.className ? '.' + el.className : '') + ' ' + (el.textContent || '').replace(/\s+/g, ' ').trim();
    if (box.width && (box.left < -0.5 || box.right > width + 0.5)) problems.push('off the page: ' + name);
    const style = getComputedStyle(el);
    if (style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) problems.push('scrolls: ' + name);
  }
  return problems;
}"""

# Whether the whole cart count can be seen: its middle and the middle of each edge (it is a
# pill: its corners are rounded off) are the topmost thing there, and inside the page.
BADGE_VISIBLE = """() => {
  const badge = document.querySelector('.site-nav__count');
  const box = badge.getBoundingClientRect();
  const inset = 1, midX = (box.left + box.right) / 2, midY = (box.top + box.bottom) / 2;
  const points = [[midX, midY], [box.left + inset, midY], [box.right - inset, midY],
                  [midX, box.top + inset], [midX, box.bottom - inset]];
  return box.width > 0 && box.right <= document.documentElement.clientWidth && points.every(([x, y]) => {
    const hit = document.elementFromPoint(x, y);
    return hit === badge || badge.contains(hit);
  });
}"""


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "signed-in"])
@pytest.mark.parametrize("width", [360, 390])
def test_the_header_fits_a_phone(chromium, live_server, app, request, width, signed_in):
    context = chromium.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    page = context.new_page()
    try:
        if signed_in:
            with app.app_context():
                make_user("min-ji@example.com")
            page.goto(live_server + "/account/sign-in")
            page.get_by_label("Email address", exact=True).fill("min-ji@example.com")
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/account")
        for path in ("/", "/culture-box/subscribe"):
            page.goto(live_server + path)
            assert page.evaluate(CLIPPED) == [], path
            assert page.evaluate(BADGE_VISIBLE), path
        assert_accessible(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(".site-header").screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    finally:
        context.close()
