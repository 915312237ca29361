"""pytest's set-up for the suite: a Ctrl-C reaches the kg commands the tests start, however the suite was started;
on CI a skipped test fails."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

# A shell starts a background job with Ctrl-C ignored, and an ignored signal stays ignored in every program it
# starts: the kg processes the interrupt tests send SIGINT to would not see it. A handler, unlike "ignore", is not
# inherited across exec, so with one here each kg starts with Ctrl-C as a terminal gives it.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


# On CI (`.ci/run` sets KG_CI=1: root, Chromium and Virtuoso installed) every test must run: a skip there would
# hide a test that no longer runs, so it is reported as a failure, with the skip's reason.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("KG_CI") and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped on CI (KG_CI is set), where every test must run: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """The same for a whole module skipped while collected (`pytest.importorskip`, a module-level skip)."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("KG_CI") and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped on CI (KG_CI is set), where every test must run: {reason}"
