"""Started by every Python process a test starts while the suite's clock is moved (``tests/clock.py`` puts
this folder on its ``PYTHONPATH``): the process keeps the same clock as the test that started it, so a worker,
a web server or a shell of the product sees the same "now" as the test that checks what it did."""

import os

_offset = os.environ.get("BUTLER_TEST_CLOCK_OFFSET")
if _offset:
    import time
    from datetime import UTC, datetime

    import time_machine

    time_machine.travel(datetime.fromtimestamp(time.time() + float(_offset), tz=UTC), tick=True).start()
