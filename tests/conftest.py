"""pytest's set-up for the suite: a Ctrl-C reaches the kg commands the tests start, however the suite was started."""

from __future__ import annotations

import signal

# A shell starts a background job with Ctrl-C ignored, and an ignored signal stays ignored in every program it
# starts: the kg processes the interrupt tests send SIGINT to would not see it. A handler, unlike "ignore", is not
# inherited across exec, so with one here each kg starts with Ctrl-C as a terminal gives it.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
