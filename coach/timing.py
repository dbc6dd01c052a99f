"""When a nudge may reach her, in her own time zone, and how to read her answers about time.

Pure functions: `now` and every instant come in as arguments (aware datetimes; a naive one is taken as UTC,
because SQLite hands back naive values), nothing reads a clock or the network. Instants going out are aware
UTC. Wall-clock times are turned into instants through zoneinfo with fold=0, so a local time that does not
exist (spring forward) lands just after the gap and an ambiguous one (fall back) takes its first occurrence:
either way a real instant, never an exception.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from coach.vocabulary import Pace, Prefs

__all__ = [
    "deliverable_at",
    "is_quiet",
    "local_hour",
    "next_local_hour",
    "parse_hour",
    "parse_quiet_hours",
    "parse_timezone",
    "safe_zone",
]

_UTC_ZONE = ZoneInfo("UTC")


# --------------------------------------------------------------------------------------------------
# Zones and instants


@lru_cache(maxsize=512)
def safe_zone(tz: str) -> ZoneInfo:
    """Her zone, or UTC when the stored name is unknown: a bad setting must never stop a nudge."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        return _UTC_ZONE


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    return at.astimezone(UTC)


def _at_local(day: date, hour: int, zone: ZoneInfo) -> datetime:
    # fold=0: a wall time inside a DST gap maps past the gap, an ambiguous one to its first occurrence.
    return datetime(day.year, day.month, day.day, hour % 24, tzinfo=zone).astimezone(UTC)


def local_hour(now: datetime, tz: str) -> int:
    return _utc(now).astimezone(safe_zone(tz)).hour


def next_local_hour(after: datetime, hour: int, tz: str) -> datetime:
    """The first instant strictly after `after` that is `hour`:00 on her clock (or just past a DST gap)."""
    zone = safe_zone(tz)
    start = _utc(after)
    day = start.astimezone(zone).date()
    for offset in range(3):
        candidate = _at_local(day + timedelta(days=offset), hour, zone)
        if candidate > start:
            return candidate
    # Unreachable for real zones (a local day is never 48 h long); kept so the function is total.
    return _at_local(day + timedelta(days=3), hour, zone)


# --------------------------------------------------------------------------------------------------
# Quiet hours and the one-a-day rule


def _in_quiet(hour: int, start: int, end: int) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def is_quiet(at: datetime, prefs: Prefs) -> bool:
    """Whether `at` falls in her quiet hours (her clock), regardless of pace."""
    return _in_quiet(local_hour(at, prefs.timezone), prefs.quiet_start % 24, prefs.quiet_end % 24)


def _out_of_quiet(at: datetime, prefs: Prefs, zone: ZoneInfo) -> datetime:
    start, end = prefs.quiet_start % 24, prefs.quiet_end % 24
    local = at.astimezone(zone)
    if not _in_quiet(local.hour, start, end):
        return at
    day = local.date()
    if start > end and local.hour >= start:
        # The window wraps midnight and we are in its evening part: it ends tomorrow morning.
        day += timedelta(days=1)
    return max(at, _at_local(day, end, zone))


def _after_daily_limit(at: datetime, last: datetime, pace: Pace, zone: ZoneInfo) -> datetime:
    if not pace.real_days:
        return max(at, last + pace.day)
    last_day = last.astimezone(zone).date()
    if at.astimezone(zone).date() > last_day:
        return at
    return max(at, _at_local(last_day + timedelta(days=1), 0, zone))


def deliverable_at(
    due: datetime,
    prefs: Prefs,
    *,
    pace: Pace,
    last_unprompted_at: datetime | None,
    quiet_until: datetime | None,
) -> datetime | None:
    """The earliest instant >= `due` at which an unprompted message may reach her, or None while paused.

    A nudge is only ever moved later, never dropped. Quiet hours count only on real days (a shrunken day is a
    demo or a test); the one-a-day rule counts her local calendar day on real days and `pace.day` otherwise.
    """
    if prefs.paused:
        return None
    zone = safe_zone(prefs.timezone)
    at = _utc(due)
    if quiet_until is not None:
        at = max(at, _utc(quiet_until))
    last = _utc(last_unprompted_at) if last_unprompted_at is not None else None
    # Each rule only moves the time later, so repeating until nothing moves reaches a time both accept;
    # two rounds suffice in practice (next day at 00:00, then out of the night's quiet hours).
    for _ in range(8):
        before = at
        if last is not None:
            at = _after_daily_limit(at, last, pace, zone)
        if pace.real_days:
            at = _out_of_quiet(at, prefs, zone)
        if at == before:
            break
    return at


# --------------------------------------------------------------------------------------------------
# Reading her answers


def _normalise(text: str) -> str:
    """Lower case, accents stripped ("São" -> "sao"), punctuation other than + - : / . collapsed to spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = plain.replace("\u2212", "-").replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"[^a-z0-9+\-:/.']+", " ", plain).strip()


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", _normalise(text)).strip()


_CITY_REGIONS = frozenset(
    {"Africa", "America", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
)

# fmt: off
# Zone cities that are also everyday English words or first names: only accepted as her whole answer.
_CITY_NOT_IN_SENTENCES = frozenset(
    {"easter", "wake", "christmas", "resolute", "midway", "virgin", "regina", "stanley", "dawson", "center",
     "nome", "knox", "chita", "yap", "truk", "guam", "male", "creston", "atka", "marigot", "efate", "apia",
     "north", "south", "west", "act", "nsw", "lhi", "jersey", "cayenne", "victoria", "eucla"}
)

# Whole hours as Etc names are fine; for fractional offsets a real zone with that standard offset.
_FRACTIONAL_OFFSETS: dict[tuple[int, int], str] = {
    (1, 330): "Asia/Kolkata",
    (1, 345): "Asia/Kathmandu",
    (1, 210): "Asia/Tehran",
    (1, 270): "Asia/Kabul",
    (1, 390): "Asia/Yangon",
    (1, 570): "Australia/Darwin",
    (1, 525): "Australia/Eucla",
    (1, 630): "Australia/Lord_Howe",
    (1, 765): "Pacific/Chatham",
    (-1, 210): "America/St_Johns",
    (-1, 570): "Pacific/Marquesas",
}

# Abbreviations: accepted case-insensitively as her whole answer, inside a sentence only in capitals
# ("ist" is German for "is", "est" French for "is").
_ABBREVIATIONS: dict[str, str] = {
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "mt": "America/Denver",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "akst": "America/Anchorage", "akdt": "America/Anchorage", "hst": "Pacific/Honolulu",
    "ast": "America/Halifax", "adt": "America/Halifax", "nst": "America/St_Johns",
    "cet": "Europe/Berlin", "cest": "Europe/Berlin", "met": "Europe/Berlin",
    "eet": "Europe/Athens", "eest": "Europe/Athens", "wet": "Europe/Lisbon", "west": "Europe/Lisbon",
    "bst": "Europe/London", "uk": "Europe/London", "msk": "Europe/Moscow",
    "ist": "Asia/Kolkata", "pkt": "Asia/Karachi", "sgt": "Asia/Singapore", "hkt": "Asia/Hong_Kong",
    "jst": "Asia/Tokyo", "kst": "Asia/Seoul", "wib": "Asia/Jakarta", "pht": "Asia/Manila",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "acst": "Australia/Adelaide",
    "acdt": "Australia/Adelaide", "awst": "Australia/Perth", "nzst": "Pacific/Auckland",
    "nzdt": "Pacific/Auckland", "nz": "Pacific/Auckland", "brt": "America/Sao_Paulo",
    "sast": "Africa/Johannesburg", "cat": "Africa/Maputo", "eat": "Africa/Nairobi", "wat": "Africa/Lagos",
    "us": "America/New_York", "usa": "America/New_York", "la": "America/Los_Angeles",
    "eastern": "America/New_York", "central": "America/Chicago", "mountain": "America/Denver",
    "pacific": "America/Los_Angeles", "america": "America/New_York",
}

# Countries, regions and big cities that are not the last part of a zone name.
_PLACES: dict[str, str] = {
    # North America
    "united states": "America/New_York", "the us": "America/New_York",
    "the states": "America/New_York", "east coast": "America/New_York",
    "eastern time": "America/New_York", "new jersey": "America/New_York", "boston": "America/New_York",
    "washington": "America/New_York", "washington dc": "America/New_York", "miami": "America/New_York",
    "atlanta": "America/New_York", "philadelphia": "America/New_York", "florida": "America/New_York",
    "nyc": "America/New_York", "brooklyn": "America/New_York", "orlando": "America/New_York",
    "central time": "America/Chicago", "texas": "America/Chicago",
    "dallas": "America/Chicago", "houston": "America/Chicago", "austin": "America/Chicago",
    "new orleans": "America/Chicago", "minneapolis": "America/Chicago", "nashville": "America/Chicago",
    "mountain time": "America/Denver", "colorado": "America/Denver",
    "salt lake city": "America/Denver", "arizona": "America/Phoenix",
    "pacific time": "America/Los_Angeles", "west coast": "America/Los_Angeles",
    "california": "America/Los_Angeles", "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles", "san diego": "America/Los_Angeles", "portland": "America/Los_Angeles",
    "las vegas": "America/Los_Angeles", "hawaii": "Pacific/Honolulu", "alaska": "America/Anchorage",
    "canada": "America/Toronto", "montreal": "America/Toronto", "ottawa": "America/Toronto",
    "calgary": "America/Edmonton", "mexico": "America/Mexico_City", "guadalajara": "America/Mexico_City",
    # South America
    "brazil": "America/Sao_Paulo", "brasil": "America/Sao_Paulo", "rio": "America/Sao_Paulo",
    "rio de janeiro": "America/Sao_Paulo", "brasilia": "America/Sao_Paulo",
    "argentina": "America/Argentina/Buenos_Aires", "chile": "America/Santiago", "colombia": "America/Bogota",
    "peru": "America/Lima", "venezuela": "America/Caracas", "ecuador": "America/Guayaquil",
    "uruguay": "America/Montevideo", "paraguay": "America/Asuncion", "bolivia": "America/La_Paz",
    # Europe
    "united kingdom": "Europe/London", "britain": "Europe/London", "great britain": "Europe/London",
    "england": "Europe/London", "scotland": "Europe/London", "wales": "Europe/London",
    "northern ireland": "Europe/London", "manchester": "Europe/London", "birmingham": "Europe/London",
    "glasgow": "Europe/London", "edinburgh": "Europe/London", "liverpool": "Europe/London",
    "ireland": "Europe/Dublin", "portugal": "Europe/Lisbon", "porto": "Europe/Lisbon",
    "germany": "Europe/Berlin", "deutschland": "Europe/Berlin", "munich": "Europe/Berlin",
    "hamburg": "Europe/Berlin", "frankfurt": "Europe/Berlin", "cologne": "Europe/Berlin",
    "france": "Europe/Paris", "lyon": "Europe/Paris", "marseille": "Europe/Paris",
    "spain": "Europe/Madrid", "espana": "Europe/Madrid", "barcelona": "Europe/Madrid",
    "valencia": "Europe/Madrid", "seville": "Europe/Madrid",
    "italy": "Europe/Rome", "italia": "Europe/Rome", "milan": "Europe/Rome", "naples": "Europe/Rome",
    "florence": "Europe/Rome", "netherlands": "Europe/Amsterdam", "holland": "Europe/Amsterdam",
    "rotterdam": "Europe/Amsterdam", "belgium": "Europe/Brussels", "switzerland": "Europe/Zurich",
    "geneva": "Europe/Zurich", "austria": "Europe/Vienna", "poland": "Europe/Warsaw", "krakow": "Europe/Warsaw",
    "czechia": "Europe/Prague", "czech republic": "Europe/Prague", "hungary": "Europe/Budapest",
    "romania": "Europe/Bucharest", "bulgaria": "Europe/Sofia", "greece": "Europe/Athens",
    "sweden": "Europe/Stockholm", "norway": "Europe/Oslo", "denmark": "Europe/Copenhagen",
    "finland": "Europe/Helsinki", "ukraine": "Europe/Kyiv", "kiev": "Europe/Kyiv", "russia": "Europe/Moscow",
    "st petersburg": "Europe/Moscow", "saint petersburg": "Europe/Moscow", "turkey": "Europe/Istanbul",
    "turkiye": "Europe/Istanbul", "croatia": "Europe/Zagreb", "serbia": "Europe/Belgrade",
    # Africa and the Middle East
    "israel": "Asia/Jerusalem", "tel aviv": "Asia/Jerusalem", "egypt": "Africa/Cairo",
    "south africa": "Africa/Johannesburg", "cape town": "Africa/Johannesburg", "nigeria": "Africa/Lagos",
    "kenya": "Africa/Nairobi", "morocco": "Africa/Casablanca", "uae": "Asia/Dubai",
    "united arab emirates": "Asia/Dubai", "abu dhabi": "Asia/Dubai", "saudi arabia": "Asia/Riyadh",
    "iran": "Asia/Tehran", "lebanon": "Asia/Beirut",
    # Asia and Oceania
    "india": "Asia/Kolkata", "mumbai": "Asia/Kolkata", "bombay": "Asia/Kolkata", "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata", "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata",
    "chennai": "Asia/Kolkata", "hyderabad": "Asia/Kolkata", "pakistan": "Asia/Karachi",
    "lahore": "Asia/Karachi", "bangladesh": "Asia/Dhaka", "nepal": "Asia/Kathmandu",
    "sri lanka": "Asia/Colombo", "thailand": "Asia/Bangkok", "vietnam": "Asia/Ho_Chi_Minh",
    "hanoi": "Asia/Bangkok", "saigon": "Asia/Ho_Chi_Minh", "ho chi minh city": "Asia/Ho_Chi_Minh",
    "indonesia": "Asia/Jakarta", "bali": "Asia/Makassar", "philippines": "Asia/Manila",
    "malaysia": "Asia/Kuala_Lumpur", "china": "Asia/Shanghai", "beijing": "Asia/Shanghai",
    "shenzhen": "Asia/Shanghai", "guangzhou": "Asia/Shanghai", "korea": "Asia/Seoul",
    "south korea": "Asia/Seoul", "busan": "Asia/Seoul", "japan": "Asia/Tokyo", "osaka": "Asia/Tokyo",
    "kyoto": "Asia/Tokyo", "australia": "Australia/Sydney", "canberra": "Australia/Sydney",
    "new zealand": "Pacific/Auckland", "wellington": "Pacific/Auckland",
}

_UTC_WORDS = frozenset({"utc", "gmt", "z", "zulu", "utc 0", "gmt 0", "universal", "coordinated universal time"})
# fmt: on

_OFFSET = re.compile(r"(?:^|\b(?:utc|gmt)\s*)([+-])\s*(\d{1,2})(?:(?::|\.|h)?(\d{2}))?(?![\d:])")


@lru_cache(maxsize=1)
def _zone_index() -> tuple[dict[str, str], dict[str, str]]:
    """(lower-cased full name -> name, normalised city -> name), built once from the installed tz database."""
    names = available_timezones()
    exact = {name.lower(): name for name in names}
    cities: dict[str, str] = {}
    # Prefer two-part names in the continental regions, then the shorter one: "America/Indianapolis" is
    # as good as "America/Indiana/Indianapolis", while three-part names hide words like "Center".
    for name in sorted(names, key=lambda n: (n.count("/"), len(n), n)):
        parts = name.split("/")
        if len(parts) != 2 or parts[0] not in _CITY_REGIONS:
            continue
        cities.setdefault(_key(parts[1]), name)
    return exact, cities


def _from_offset(sign: str, hours: int, minutes: int) -> str | None:
    if minutes >= 60:
        return None
    if minutes == 0:
        if hours == 0:
            return "UTC"
        if (sign == "+" and hours <= 14) or (sign == "-" and hours <= 12):
            # POSIX-style Etc names have the sign inverted: UTC+2 is Etc/GMT-2.
            return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
        return None
    return _FRACTIONAL_OFFSETS.get((1 if sign == "+" else -1, hours * 60 + minutes))


def parse_timezone(text: str) -> str | None:
    """Her answer to "what's your time zone?" as an IANA name, or None when it cannot be told."""
    if not text or not text.strip():
        return None
    exact, cities = _zone_index()
    raw = text.strip()
    compact = re.sub(r"\s*/\s*", "/", raw.lower()).replace(" ", "_")
    if "/" in compact and compact in exact:
        return exact[compact]
    key = _key(raw)
    if key in _UTC_WORDS:
        return "UTC"
    offset = _OFFSET.search(_normalise(raw))
    if offset is not None:
        return _from_offset(offset.group(1), int(offset.group(2)), int(offset.group(3) or 0))
    for table in (cities, _PLACES, _ABBREVIATIONS):
        if key in table:
            return table[key]
    # Legacy names without a region ("EST5EDT", "Hongkong") only after the tables: "EST" and "MST" are
    # fixed offsets in the tz database, while she means the zone with summer time.
    if compact in exact:
        return exact[compact]
    # A sentence ("I live in Berlin, Germany"): look for the longest known place, leftmost first.
    words = key.split()
    for size in (4, 3, 2, 1):
        for i in range(len(words) - size + 1):
            phrase = " ".join(words[i : i + size])
            if phrase in _PLACES:
                return _PLACES[phrase]
            if phrase in cities and phrase not in _CITY_NOT_IN_SENTENCES and len(phrase) > 2:
                return cities[phrase]
    shouted = {w.lower() for w in re.findall(r"\b[A-Z]{2,5}\b", raw)}
    for word in re.findall(r"[a-z]+", key):
        if word in shouted and word in _ABBREVIATIONS:
            return _ABBREVIATIONS[word]
        if word in ("utc", "gmt"):
            return "UTC"
    return None


_HOUR = re.compile(
    r"(?<![\d:])(\d{1,2})(?:(?::|\.|h)(\d{2})|(\d{2}))?(?!\d)\s*"
    r"(a\.?\s?m\b\.?|p\.?\s?m\b\.?|h\b|hrs?\b|o'?\s?clock\b)?"
    r"(?:\s*(in the morning|in the afternoon|in the evening|at night|tonight))?"
)


def _hour_and_marker(text: str) -> tuple[int, bool] | None:
    """The first time of day in `text` as (hour, whether am/pm or a part of the day was said)."""
    norm = _normalise(text)
    if re.search(r"\b(noon|midday|mid day)\b", norm):
        return 12, True
    if re.search(r"\bmidnight\b", norm):
        return 0, True
    match = _HOUR.search(norm)
    if match is None:
        return None
    hour = int(match.group(1))
    minutes = int(match.group(2) or match.group(3) or 0)
    suffix = (match.group(4) or "").replace(".", "").replace(" ", "")
    part = match.group(5) or ""
    if minutes >= 60:
        return None
    pm = suffix == "pm" or part in ("in the afternoon", "in the evening", "at night", "tonight")
    am = suffix == "am" or part == "in the morning"
    if am or pm:
        if not 1 <= hour <= 12:
            return None
        if part == "at night" and not suffix and hour < 5:
            pm = False  # "2 at night" is the small hours, not 14:00
        return (hour % 12) + (12 if pm else 0), True
    if hour > 23:
        return None
    return hour, False


def parse_hour(text: str) -> int | None:
    """An hour of the day from her words: "19", "7pm", "7:30 pm" -> 19; "noon" -> 12; "midnight" -> 0."""
    found = _hour_and_marker(text)
    return found[0] if found is not None else None


# fmt: off
_NO_QUIET = frozenset(
    {"none", "off", "no", "nope", "never", "nothing", "disable", "disabled", "no quiet hours", "0",
     "any time", "anytime", "whenever", "always"}
)
_NO_QUIET_WORDS = frozenset({"none", "off", "never", "disable", "disabled", "anytime"})
# fmt: on
_RANGE_SPLIT = re.compile(r"\s*(?:-|\bto\b|\btill\b|\btil\b|\buntil\b|\bthrough\b|\band\b|\.\.+)\s*")


def parse_quiet_hours(text: str) -> tuple[int, int] | None:
    """Her quiet hours as (start, end): "22-8", "10pm to 7am"; "none"/"off" -> (0, 0), i.e. no quiet hours."""
    norm = _normalise(text)
    if not norm:
        return None
    key = _key(norm)
    if key in _NO_QUIET or (not re.search(r"\d", key) and _NO_QUIET_WORDS & set(key.split())):
        return 0, 0
    norm = re.sub(r"^(?:from|between|quiet|quiet hours|hours)\s+", "", norm)
    # Split on the separator between the two times, not the one inside "10 p.m." or "22:00".
    parts = [p for p in _RANGE_SPLIT.split(norm, maxsplit=1) if p.strip()]
    if len(parts) != 2:
        return None
    first, second = _hour_and_marker(parts[0]), _hour_and_marker(parts[1])
    if first is None or second is None:
        return None
    (start, start_said), (end, _) = first, second
    if not start_said and 1 <= start <= 12 and end < 12 and start > end:
        # "10-7" or "11 to 6am": a night is meant, the start is in the evening (12 is midnight).
        start = (start + 12) % 24
    if start == end:
        return 0, 0
    return start, end
