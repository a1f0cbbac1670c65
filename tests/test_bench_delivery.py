"""The delivery benchmark's arithmetic and its timed sinks (the run itself is `make bench`, not a test)."""

import json
import smtplib
import time
import urllib.request
from email.message import EmailMessage

import pytest

from bench.delivery import Observed, figures, outcome, percentile, recipients_for, split, timed_sinks

T0 = 1_000_000.0  # the reminders fell due
START = T0 + 0.5  # the first sweep began


def _observed(**changes) -> Observed:
    values = {
        "expected": {
            "in_app": {"reminder-1", "reminder-4"},
            "email": {"reminder-2", "reminder-5"},
            "sms": {"reminder-3", "reminder-6"},
        },
        "scheduled_at": T0,
        "started_at": START,
        "done_at": START + 10,
        "arrivals": {
            "in_app": [("reminder-1", T0 + 1), ("reminder-4", T0 + 5)],
            "email": [("reminder-2", T0 + 2), ("reminder-5", T0 + 8.5)],
            "sms": [("reminder-3", T0 + 3), ("reminder-6", T0 + 4.5)],
        },
        "statuses": {"sent": 6},
        "sweeps": [6, 0],
        "sweep_seconds": 0.25,
    }
    return Observed(**{**values, **changes})


def test_the_messages_take_the_channels_in_turn_one_per_person_and_channel():
    assert split(5_000) == {"in_app": 1_667, "email": 1_667, "sms": 1_666}
    assert sum(split(10_000).values()) == 10_000
    assert recipients_for(5_000) == 1_667  # three messages a person at most: no two by one channel
    assert recipients_for(3) == 1


def test_percentiles_interpolate_between_the_nearest_values():
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert percentile([float(n) for n in range(1, 101)], 0.95) == pytest.approx(95.05)
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([], 0.5) is None


def test_throughput_counts_from_the_first_sweep_and_latency_from_the_moment_they_fell_due():
    result = outcome(_observed())

    assert result["seconds"] == 10
    assert result["messages"] == 6 and result["per_second"] == 0.6
    # A channel's rate: its messages over the time from the first sweep to the last of them.
    assert result["email"] == {
        "messages": 2,
        "per_second": 0.25,
        "last_s": 8.0,
        "latency_p50_s": 5.25,
        "latency_p95_s": pytest.approx(8.175),
    }
    assert result["sms"]["per_second"] == 0.5 and result["in_app"]["per_second"] == 0.44
    assert result["latency_p50_s"] == 3.75 and result["latency_max_s"] == 8.5
    problems = ("failures", "missing", "unexpected", "email_duplicates", "sms_repeats")
    assert [result[name] for name in problems] == [0, 0, 0, 0, 0]
    assert result["sweeps"] == [6, 0] and result["sweep_seconds"] == 0.25


def test_an_email_sent_twice_a_missing_text_and_an_unsent_reminder_are_counted_not_hidden():
    observed = _observed(
        arrivals={
            "in_app": [("reminder-1", T0 + 1), ("reminder-4", T0 + 5)],
            "email": [("reminder-2", T0 + 2), ("reminder-5", T0 + 8.5), ("reminder-2", T0 + 9)],
            "sms": [("reminder-3", T0 + 3)],
        },
        gateway_repeats=1,
        statuses={"sent": 5, "failed": 1},
    )

    result = outcome(observed)

    assert result["messages"] == 5  # each key once: the repeated e-mail is not a message more
    assert result["email_duplicates"] == 1 and result["sms_repeats"] == 1
    assert result["missing"] == 1 and result["failures"] == 1
    assert result["email"]["latency_p50_s"] == 5.25  # from each e-mail's first arrival


def test_the_figures_are_in_the_reports_shape_with_the_problems_of_every_run_in_the_details():
    outcomes = [outcome(_observed()), outcome(_observed(done_at=START + 20, gateway_repeats=2))]

    rows = figures(outcomes, messages=6, workers=1)

    by_key = {row["key"]: row for row in rows}
    total = by_key["delivery_seconds"]
    assert total["runs"] == [10, 20] and total["median"] == 15 and total["unit"] == "s"
    assert "texts repeated to the gateway 2" in total["details"]
    assert by_key["delivery_rate"]["runs"] == [0.6, 0.3]
    assert {"delivery_email_rate", "delivery_sms_rate", "delivery_in_app_rate"} <= set(by_key)
    assert by_key["delivery_latency_p95"]["unit"] == "s"
    assert all(row["scale"] == "6 messages" for row in rows)


def test_the_sinks_note_when_each_message_arrived_and_the_gateway_a_key_only_once():
    smtp_class, gateway_class = timed_sinks()
    smtp, gateway = smtp_class().start(), gateway_class().start()
    try:
        before = time.time()
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = "window@localhost", "person1@bench.example", "Renewal"
        mail["X-Butler-Reminder"] = "reminder-2"
        mail.set_content("Apply for renewal.")
        with smtplib.SMTP("127.0.0.1", smtp.port, timeout=5) as client:
            client.send_message(mail)
            client.send_message(mail)  # a repeat: an SMTP server keeps both
        for _ in range(2):
            request = urllib.request.Request(  # noqa: S310 - the gateway on loopback
                gateway.url,
                data=json.dumps(
                    {"to": "13900000001", "text": "Renewal", "idempotency_key": "reminder-3"}
                ).encode(),
                headers={"Authorization": f"Bearer {gateway.api_key}", "Content-Type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - the gateway on loopback
                assert json.loads(response.read())["id"] == "gw-1"
    finally:
        smtp.stop()
        gateway.stop()

    assert [key for key, _ in smtp.arrivals] == ["reminder-2", "reminder-2"]
    assert [key for key, _ in gateway.arrivals] == ["reminder-3"] and gateway.repeats == ["reminder-3"]
    assert all(before <= at <= time.time() for _, at in smtp.arrivals + gateway.arrivals)
