"""The Train page: live Forward-Forward training that the user starts, steers and pauses."""

import re

from playwright.sync_api import expect

from tests.e2e import helpers

# Small layers and a short pause after each step keep the two shared CPU cores free for
# the browser and the server; many epochs keep the run from finishing during the test.
SMALL_LAYERS = "64,64"
NUM_LAYERS = 2
EPOCHS = "100"
SLOWER_STEPS = 2  # Positions to the right on the "Delay per step" slider.
# How long a paused run must keep its step count: with the delay above, a run that trained on
# would take dozens of steps in this time. An absence of steps can only be seen over a span.
PAUSE_CHECK_MS = 2_500
# The first step compiles the training graph: over 20 s when other processes share the two cores.
FIRST_STEP_TIMEOUT_MS = 90_000
DEFAULT_BATCH_SIZE = 100  # The Train page's default; another value only applies after Reset.


def step_count(page):
    """The N of "Step N" in the training status."""
    text = helpers.by_key(page, "train_status").inner_text()
    match = re.search(r"Step\s+([\d,]+)", text)
    assert match, f"no 'Step N' in the training status: {text!r}"
    return int(match.group(1).replace(",", ""))


def expect_steps_beyond(page, steps):
    """Wait until the step count has moved past `steps`, and return the new count."""
    status = helpers.by_key(page, "train_status")
    expect(status).to_contain_text(re.compile(r"Step\s+[\d,]+"))
    # Up to a minute: the first steps wait for the XLA step to compile, and busy cores slow every step.
    pattern = re.compile(rf"Step\s+{steps:,}(?![\d,])|Step\s+{steps}(?![\d,])")
    expect(status).not_to_have_text(pattern, timeout=60_000)
    return step_count(page)


def step_count_after_rerun(page, batch_size):
    """The step count read from a full rerun of the page, caused by typing `batch_size` into Batch size.

    After Pause the live panel stops polling, so the count it shows could be stale while a run
    that ignored Pause trained on. The batch size applies only after Reset, so the edit leaves
    the run alone; the caption that says the settings differ from the run's (shown for any batch
    size but the run's own) proves that the page was drawn again, status included.
    """
    field = helpers.by_key(page, "train_batch").locator("input")
    field.fill(str(batch_size))
    field.press("Enter")
    caption = page.get_by_text("differ from the current run's")
    expect(caption).to_have_count(0 if batch_size == DEFAULT_BATCH_SIZE else 1)
    helpers.wait_for_app_run(page)
    return step_count(page)


def test_training_runs_takes_a_new_learning_rate_and_pauses(page, app_server):
    """Test that Play trains with a loss curve per layer, the learning rate changes live, and Pause stops."""
    helpers.goto(page, app_server, "train")
    for key, value in (("train_layers", SMALL_LAYERS), ("train_epochs", EPOCHS)):
        field = helpers.by_key(page, key).locator("input")
        field.fill(value)
        field.press("Enter")
        helpers.wait_for_app_run(page)
    delay = helpers.by_key(page, "train_speed").get_by_role("slider")
    for _ in range(SLOWER_STEPS):
        delay.press("ArrowRight")
    helpers.wait_for_app_run(page)

    helpers.click_button(page, "train_play")
    loss_chart = helpers.by_key(page, "train_loss_chart")
    expect(loss_chart.locator(".scatterlayer .trace")).to_have_count(NUM_LAYERS, timeout=FIRST_STEP_TIMEOUT_MS)
    first = step_count(page)
    second = expect_steps_beyond(page, first)
    assert second > first
    helpers.screenshot(page, "train_running")

    thumb = helpers.by_key(page, "train_lr").get_by_role("slider")
    learning_rate = thumb.get_attribute("aria-valuetext")
    thumb.focus()
    thumb.press("ArrowLeft")
    expect(thumb).not_to_have_attribute("aria-valuetext", learning_rate)
    helpers.wait_for_app_run(page)
    helpers.expect_no_error(page)
    expect_steps_beyond(page, step_count(page))

    expect(helpers.by_key(page, "train_play")).to_contain_text("Pause")
    helpers.click_button(page, "train_play")
    expect(helpers.by_key(page, "train_status")).to_contain_text("paused")
    # A step already under way when Pause was pressed has landed by the first fresh read.
    paused = step_count_after_rerun(page, DEFAULT_BATCH_SIZE + 10)
    page.wait_for_timeout(PAUSE_CHECK_MS)
    assert step_count_after_rerun(page, DEFAULT_BATCH_SIZE) == paused, "the run still trains after Pause"
    expect(loss_chart.locator(".scatterlayer .trace")).to_have_count(NUM_LAYERS)
    helpers.expect_no_error(page)
    helpers.screenshot(page, "train_paused")
