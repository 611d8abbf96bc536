"""The browser set-up itself: the login page at phone size, accessible, CSS loaded under the strict CSP."""
from tests.browser.conftest import axe
from tests.conftest import PASSWORD


def test_login_page_on_a_phone_is_accessible(live_server, phone):
    page = phone.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server}/login")

    assert page.locator("h1").inner_text() == "Sign in"
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "19px"  # our CSS, not blocked by CSP
    assert page.evaluate("document.documentElement.classList.contains('js')")  # our JS ran
    assert axe(page) == []
    assert errors == []


def test_a_clinician_signs_in_with_the_keyboard(live_server, phone, make_user):
    user = make_user("clinician")
    page = phone.new_page()
    page.goto(f"{live_server}/login")

    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")

    page.wait_for_url("**/clinic/patients")
    assert page.locator("h1").inner_text() == "Patients"
