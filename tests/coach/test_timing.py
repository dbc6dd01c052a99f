"""coach.timing: when a nudge may reach her, and reading her answers about time. Injected instants only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest

from coach.timing import (
    deliverable_at,
    is_quiet,
    local_hour,
    next_local_hour,
    parse_hour,
    parse_quiet_hours,
    parse_timezone,
    safe_zone,
)
from coach.vocabulary import Pace, Prefs

REAL = Pace()
BERLIN = Prefs(timezone="Europe/Berlin")
NEW_YORK = Prefs(timezone="America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(tz: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def at(due: datetime, prefs: Prefs = BERLIN, **kw: object) -> datetime | None:
    kw.setdefault("pace", REAL)
    kw.setdefault("last_unprompted_at", None)
    kw.setdefault("quiet_until", None)
    return deliverable_at(due, prefs, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# deliverable_at: quiet hours


def test_outside_quiet_hours_the_due_time_stands() -> None:
    due = local("Europe/Berlin", 2026, 6, 1, 19)
    assert at(due) == due


@pytest.mark.parametrize(
    ("hour", "minute", "expected_day", "expected_hour"),
    [
        (22, 0, 2, 8),  # the start of quiet hours is quiet
        (23, 30, 2, 8),  # evening part: tomorrow morning
        (0, 0, 1, 8),  # after midnight: this morning
        (3, 15, 1, 8),
        (7, 59, 1, 8),
    ],
)
def test_wrapping_quiet_hours_move_to_their_end(
    hour: int, minute: int, expected_day: int, expected_hour: int
) -> None:
    due = local("Europe/Berlin", 2026, 6, 1, hour, minute)
    assert at(due) == local("Europe/Berlin", 2026, 6, expected_day, expected_hour)


@pytest.mark.parametrize(("hour", "minute"), [(21, 59), (8, 0), (12, 0)])
def test_edges_of_wrapping_quiet_hours_are_allowed(hour: int, minute: int) -> None:
    due = local("Europe/Berlin", 2026, 6, 1, hour, minute)
    assert at(due) == due


def test_quiet_hours_that_do_not_wrap_midnight() -> None:
    prefs = Prefs(timezone="Europe/Berlin", quiet_start=13, quiet_end=15)
    assert at(local("Europe/Berlin", 2026, 6, 1, 14, 10), prefs) == local("Europe/Berlin", 2026, 6, 1, 15)
    assert at(local("Europe/Berlin", 2026, 6, 1, 13), prefs) == local("Europe/Berlin", 2026, 6, 1, 15)
    for hour, minute in ((12, 59), (15, 0), (23, 0), (3, 0)):
        due = local("Europe/Berlin", 2026, 6, 1, hour, minute)
        assert at(due, prefs) == due


def test_equal_start_and_end_means_no_quiet_hours() -> None:
    prefs = Prefs(timezone="Europe/Berlin", quiet_start=0, quiet_end=0)
    due = local("Europe/Berlin", 2026, 6, 1, 3)
    assert at(due, prefs) == due
    assert not is_quiet(due, prefs)


def test_quiet_hours_are_her_local_hours() -> None:
    # 04:00 UTC is 06:00 in Berlin (quiet) but 00:00 in New York (also quiet) and 09:30 in Kolkata (not).
    due = utc(2026, 6, 1, 4)
    assert at(due, BERLIN) == local("Europe/Berlin", 2026, 6, 1, 8)
    assert at(due, NEW_YORK) == local("America/New_York", 2026, 6, 1, 8)
    assert at(due, Prefs(timezone="Asia/Kolkata")) == due


def test_shrunken_days_ignore_quiet_hours() -> None:
    due = local("Europe/Berlin", 2026, 6, 1, 3)
    assert at(due, pace=Pace(day=timedelta(minutes=5))) == due


def test_unknown_time_zone_counts_as_utc() -> None:
    prefs = Prefs(timezone="Mars/Olympus_Mons")
    assert at(utc(2026, 6, 1, 23), prefs) == utc(2026, 6, 2, 8)


def test_naive_instants_are_taken_as_utc() -> None:
    result = at(datetime(2026, 6, 1, 23), Prefs())
    assert result == utc(2026, 6, 2, 8)
    assert result is not None and result.tzinfo is not None


# --------------------------------------------------------------------------------------------------
# deliverable_at: daylight saving time


def test_berlin_spring_forward_night() -> None:
    # 2026-03-29: 02:00 CET jumps to 03:00 CEST. 22:30 CET on the 28th moves to 08:00 CEST on the 29th.
    due = utc(2026, 3, 28, 21, 30)
    assert at(due) == utc(2026, 3, 29, 6)


def test_quiet_end_inside_the_spring_forward_gap_lands_just_after_it() -> None:
    prefs = Prefs(timezone="Europe/Berlin", quiet_start=23, quiet_end=2)
    result = at(utc(2026, 3, 28, 23), prefs)  # 00:00 CET, quiet until "02:00", which does not exist
    assert result == utc(2026, 3, 29, 1)  # 03:00 CEST, the first instant after the gap
    assert result is not None and result.tzinfo is not None
    assert local_hour(result, "Europe/Berlin") == 3


def test_new_york_fall_back_night() -> None:
    # 2026-11-01: 02:00 EDT falls back to 01:00 EST. 22:00 EDT on Oct 31 moves to 08:00 EST (13:00 UTC).
    assert at(utc(2026, 11, 1, 2), NEW_YORK) == utc(2026, 11, 1, 13)


def test_quiet_end_at_an_ambiguous_hour_takes_its_first_occurrence() -> None:
    prefs = Prefs(timezone="America/New_York", quiet_start=22, quiet_end=1)
    # 23:30 EDT on Oct 31 -> 01:00 EDT on Nov 1 (05:00 UTC), not the second 01:00 (06:00 UTC).
    assert at(utc(2026, 11, 1, 3, 30), prefs) == utc(2026, 11, 1, 5)
    # During the repeated hour, the second 01:30 (EST) is no longer quiet.
    second = utc(2026, 11, 1, 6, 30)
    assert at(second, prefs) == second


@pytest.mark.parametrize(
    "tz",
    ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham", "UTC"],
)
def test_every_result_is_later_aware_and_outside_quiet_hours(tz: str) -> None:
    prefs = Prefs(timezone=tz)
    zone = ZoneInfo(tz)
    start = utc(2026, 3, 25)
    for step in range(0, 24 * 4 * 14 * 2, 7):  # every 105 minutes for four weeks of March/April and Oct/Nov
        for base in (start, utc(2026, 10, 20)):
            due = base + timedelta(minutes=15 * step)
            result = at(due, prefs)
            assert result is not None
            assert result.utcoffset() == timedelta(0)
            assert result >= due
            assert not is_quiet(result, prefs), (tz, due, result)
            assert result - due < timedelta(hours=11)
            assert result.astimezone(zone).hour in range(8, 22)


# --------------------------------------------------------------------------------------------------
# deliverable_at: one a day, pause, quiet_until


def test_one_unprompted_message_a_local_day() -> None:
    last = local("Europe/Berlin", 2026, 6, 1, 9)
    due = local("Europe/Berlin", 2026, 6, 1, 19)
    assert at(due, last_unprompted_at=last) == local("Europe/Berlin", 2026, 6, 2, 8)


def test_yesterdays_message_does_not_hold_todays_back() -> None:
    last = local("Europe/Berlin", 2026, 5, 31, 21, 59)
    due = local("Europe/Berlin", 2026, 6, 1, 8, 0)
    assert at(due, last_unprompted_at=last) == due


def test_the_day_is_her_calendar_day_not_utc() -> None:
    prefs = Prefs(timezone="Europe/Berlin", quiet_start=0, quiet_end=0)
    last = utc(2026, 6, 1, 21, 30)  # 23:30 on June 1 in Berlin
    due = utc(2026, 6, 1, 22, 30)  # 00:30 on June 2 in Berlin, still June 1 in UTC
    assert at(due, prefs, last_unprompted_at=last) == due
    # Same local day without quiet hours: her next midnight.
    assert at(utc(2026, 6, 1, 12), prefs, last_unprompted_at=utc(2026, 6, 1, 7)) == utc(2026, 6, 1, 22)


def test_one_a_day_in_new_york_on_the_fall_back_day() -> None:
    last = local("America/New_York", 2026, 11, 1, 9)
    due = local("America/New_York", 2026, 11, 1, 19)
    assert at(due, NEW_YORK, last_unprompted_at=last) == local("America/New_York", 2026, 11, 2, 8)


def test_one_a_day_with_a_shrunken_day_counts_pace_day() -> None:
    pace = Pace(day=timedelta(minutes=10))
    last = utc(2026, 6, 1, 3, 0)
    assert at(utc(2026, 6, 1, 3, 4), pace=pace, last_unprompted_at=last) == utc(2026, 6, 1, 3, 10)
    assert at(utc(2026, 6, 1, 3, 11), pace=pace, last_unprompted_at=last) == utc(2026, 6, 1, 3, 11)


def test_paused_means_not_now() -> None:
    prefs = Prefs(timezone="Europe/Berlin", paused=True)
    assert at(local("Europe/Berlin", 2026, 6, 1, 19), prefs) is None


def test_quiet_until_holds_nudges_back() -> None:
    due = local("Europe/Berlin", 2026, 6, 1, 10)
    until = local("Europe/Berlin", 2026, 6, 1, 15, 30)
    assert at(due, quiet_until=until) == until
    assert at(due, quiet_until=local("Europe/Berlin", 2026, 6, 1, 9)) == due


def test_quiet_until_ending_at_night_then_waits_for_morning() -> None:
    due = local("Europe/Berlin", 2026, 6, 1, 10)
    until = local("Europe/Berlin", 2026, 6, 1, 23)
    assert at(due, quiet_until=until) == local("Europe/Berlin", 2026, 6, 2, 8)


def test_all_rules_together() -> None:
    last = local("Europe/Berlin", 2026, 6, 2, 8, 5)
    until = local("Europe/Berlin", 2026, 6, 1, 23)
    due = local("Europe/Berlin", 2026, 6, 1, 19)
    # quiet_until -> 23:00 -> quiet -> 08:00 on the 2nd -> already spoke that day -> 08:00 on the 3rd.
    assert at(due, last_unprompted_at=last, quiet_until=until) == local("Europe/Berlin", 2026, 6, 3, 8)


# --------------------------------------------------------------------------------------------------
# next_local_hour, local_hour, safe_zone


def test_next_local_hour_later_today_or_tomorrow() -> None:
    assert next_local_hour(local("Europe/Berlin", 2026, 6, 1, 10), 19, "Europe/Berlin") == local(
        "Europe/Berlin", 2026, 6, 1, 19
    )
    assert next_local_hour(local("Europe/Berlin", 2026, 6, 1, 20), 19, "Europe/Berlin") == local(
        "Europe/Berlin", 2026, 6, 2, 19
    )
    # Strictly after: at 19:00 sharp the next one is tomorrow's.
    assert next_local_hour(local("Europe/Berlin", 2026, 6, 1, 19), 19, "Europe/Berlin") == local(
        "Europe/Berlin", 2026, 6, 2, 19
    )


def test_next_local_hour_keeps_the_wall_clock_across_dst() -> None:
    first = next_local_hour(utc(2026, 3, 28, 12), 19, "Europe/Berlin")
    second = next_local_hour(first, 19, "Europe/Berlin")
    assert first == utc(2026, 3, 28, 18)  # 19:00 CET
    assert second == utc(2026, 3, 29, 17)  # 19:00 CEST: a 23-hour day
    third = next_local_hour(utc(2026, 10, 31, 12), 19, "America/New_York")
    fourth = next_local_hour(third, 19, "America/New_York")
    assert fourth - third == timedelta(hours=25)


def test_next_local_hour_in_gaps_and_repeats() -> None:
    assert next_local_hour(utc(2026, 3, 28, 12), 2, "Europe/Berlin") == utc(2026, 3, 29, 1)  # 03:00 CEST
    assert next_local_hour(utc(2026, 10, 31, 12), 1, "America/New_York") == utc(2026, 11, 1, 5)
    # After the first 01:00 has passed, the next one is tomorrow's, not the repeated hour.
    assert next_local_hour(utc(2026, 11, 1, 5, 30), 1, "America/New_York") == utc(2026, 11, 2, 6)


def test_local_hour_and_safe_zone() -> None:
    assert local_hour(utc(2026, 6, 1, 12), "Asia/Tokyo") == 21
    assert local_hour(utc(2026, 1, 1, 12), "Europe/Berlin") == 13
    assert local_hour(utc(2026, 1, 1, 12), "nowhere") == 12
    for bad in ("", "Mars/Base", "Europe", "../../etc/passwd", "Europe/Berlin "):
        assert safe_zone(bad) == ZoneInfo("UTC")
    assert safe_zone("Europe/Berlin") == ZoneInfo("Europe/Berlin")


# --------------------------------------------------------------------------------------------------
# parse_timezone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        (" america / new_york ", "America/New_York"),
        ("America/New York", "America/New_York"),
        ("Berlin", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("New York City", "America/New_York"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("são paulo", "America/Sao_Paulo"),
        ("Los Angeles", "America/Los_Angeles"),
        ("LA", "America/Los_Angeles"),
        ("kolkata", "Asia/Kolkata"),
        ("Tokyo", "Asia/Tokyo"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("UTC+0", "UTC"),
        ("UTC+2", "Etc/GMT-2"),
        ("utc +2", "Etc/GMT-2"),
        ("GMT-5", "Etc/GMT+5"),
        ("+03:00", "Etc/GMT-3"),
        ("-3", "Etc/GMT+3"),
        ("UTC+14", "Etc/GMT-14"),
        ("UTC-12", "Etc/GMT+12"),
        ("utc+5:30", "Asia/Kolkata"),
        ("GMT+0530", "Asia/Kolkata"),
        ("UTC+5:45", "Asia/Kathmandu"),
        ("UTC-3:30", "America/St_Johns"),
        ("EST", "America/New_York"),
        ("ET", "America/New_York"),
        ("eastern", "America/New_York"),
        ("CET", "Europe/Berlin"),
        ("PST", "America/Los_Angeles"),
        ("PT", "America/Los_Angeles"),
        ("CST", "America/Chicago"),
        ("MST", "America/Denver"),
        ("BST", "Europe/London"),
        ("UK", "Europe/London"),
        ("London", "Europe/London"),
        ("IST", "Asia/Kolkata"),
        ("AEST", "Australia/Sydney"),
        ("JST", "Asia/Tokyo"),
        ("Germany", "Europe/Berlin"),
        ("France", "Europe/Paris"),
        ("Spain", "Europe/Madrid"),
        ("Italy", "Europe/Rome"),
        ("Brazil", "America/Sao_Paulo"),
        ("India", "Asia/Kolkata"),
        ("Japan", "Asia/Tokyo"),
        ("Mexico", "America/Mexico_City"),
        ("Canada", "America/Toronto"),
        ("Australia", "Australia/Sydney"),
        ("USA", "America/New_York"),
        ("US", "America/New_York"),
        ("I live in Berlin, Germany", "Europe/Berlin"),
        ("i'm in new york", "America/New_York"),
        ("im in new jersey", "America/New_York"),
        ("I am in the US", "America/New_York"),
        ("I'm in the south of France", "Europe/Paris"),
        ("meine Zeitzone ist Berlin", "Europe/Berlin"),
        ("my time zone is PST", "America/Los_Angeles"),
        ("it's UTC+1 here", "Etc/GMT-1"),
        ("Munich", "Europe/Berlin"),
        ("Mumbai", "Asia/Kolkata"),
    ],
)
def test_parse_timezone(text: str, expected: str) -> None:
    assert parse_timezone(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "blah", "no idea", "UTC+15", "GMT-13", "utc+5:17", "wake up"])
def test_parse_timezone_says_when_it_cannot_tell(text: str) -> None:
    assert parse_timezone(text) is None


def test_every_parsed_timezone_is_a_real_zone() -> None:
    samples = [
        "Berlin",
        "UTC+2",
        "utc+5:30",
        "+09:30",
        "EST",
        "NZ",
        "Argentina",
        "Vietnam",
        "Hawaii",
        "Texas",
    ]
    zones = available_timezones() | {"UTC"}
    for text in samples:
        name = parse_timezone(text)
        assert name in zones, (text, name)
        assert safe_zone(name) == ZoneInfo(name)


# --------------------------------------------------------------------------------------------------
# parse_hour and parse_quiet_hours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19", 19),
        ("7pm", 19),
        ("7 pm", 19),
        ("7 PM", 19),
        ("7 p.m.", 19),
        ("19:00", 19),
        ("19.00", 19),
        ("19h", 19),
        ("7:30pm", 19),
        ("at 7 in the evening", 19),
        ("around 8", 8),
        ("7am", 7),
        ("0700", 7),
        ("9 o'clock", 9),
        ("noon", 12),
        ("Midnight", 0),
        ("12am", 0),
        ("12pm", 12),
        ("0", 0),
        ("23", 23),
    ],
)
def test_parse_hour(text: str, expected: int) -> None:
    assert parse_hour(text) == expected


@pytest.mark.parametrize("text", ["", "evening", "25", "13pm", "0am", "10:75", "abc"])
def test_parse_hour_rejects(text: str) -> None:
    assert parse_hour(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22-8", (22, 8)),
        ("22:00-08:00", (22, 8)),
        ("22:00 - 08:00", (22, 8)),
        ("22 – 8", (22, 8)),
        ("10pm to 7am", (22, 7)),
        ("10 p.m. - 7 a.m.", (22, 7)),
        ("11pm-7am", (23, 7)),
        ("from 11 pm until 6 am", (23, 6)),
        ("between 23 and 7", (23, 7)),
        ("midnight to 7am", (0, 7)),
        ("10-7", (22, 7)),  # a night is meant
        ("10 to 7am", (22, 7)),
        ("12-7", (0, 7)),
        ("13-15", (13, 15)),
        ("1pm-3pm", (13, 15)),
        ("8-8", (0, 0)),
        ("none", (0, 0)),
        ("off", (0, 0)),
        ("Off", (0, 0)),
        ("no quiet hours", (0, 0)),
        ("never", (0, 0)),
    ],
)
def test_parse_quiet_hours(text: str, expected: tuple[int, int]) -> None:
    assert parse_quiet_hours(text) == expected


@pytest.mark.parametrize("text", ["", "whatever", "22", "late", "10pm to", "25-8"])
def test_parse_quiet_hours_rejects(text: str) -> None:
    assert parse_quiet_hours(text) is None
