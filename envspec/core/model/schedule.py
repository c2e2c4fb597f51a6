"""EventBridge schedule expressions, checked as AWS checks them: `rate(N unit)` and `cron(...)`.

The cron grammar is EventBridge's (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html):
six fields separated by single spaces,

| field        | values               | wildcards          |
|--------------|----------------------|--------------------|
| minutes      | 0-59                 | `, - * /`          |
| hours        | 0-23                 | `, - * /`          |
| day-of-month | 1-31                 | `, - * ? / L W`    |
| month        | 1-12 or JAN-DEC      | `, - * /`          |
| day-of-week  | 1-7 or SUN-SAT       | `, - * ? L #`      |
| year         | 1970-2199            | `, - * /`          |

and exactly one of day-of-month and day-of-week is `?`. `L` (the last day), `NW` (the weekday
nearest day N), `LW`, `NL` (the last weekday N of the month) and `N#K` (the K-th weekday N, K 1..5)
stand alone in their field; a list's items are `*`, `N` or `N-M`, each optionally `/STEP` (from
1 up to the field's span). Names of months and days are case-insensitive.
"""

from __future__ import annotations

import re
from typing import NamedTuple

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_RATE_UNITS = {"minute": "minutes", "hour": "hours", "day": "days"}
_ITEM = re.compile(r"(?P<start>\*|[0-9A-Za-z]+)(?:-(?P<end>[0-9A-Za-z]+))?(?:/(?P<step>[0-9]+))?")


class CronField(NamedTuple):
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()   # names for low, low + 1, ...
    special: str = ""             # wildcards beyond `, - * /`: "?LW" or "?L#"

    @property
    def values(self) -> str:
        """The field's values in words: `1-12 or JAN-DEC`."""
        words = f" or {self.names[0]}-{self.names[-1]}" if self.names else ""
        return f"{self.low}-{self.high}{words}"

    @property
    def most_step(self) -> int:
        return self.high if self.low == 0 else self.high - self.low + 1


CRON_FIELDS = (
    CronField("minutes", 0, 59),
    CronField("hours", 0, 23),
    CronField("day-of-month", 1, 31, special="?LW"),
    CronField("month", 1, 12, MONTHS),
    CronField("day-of-week", 1, 7, DAYS, special="?L#"),
    CronField("year", 1970, 2199),
)


def schedule_problem(text: str) -> str | None:
    """What AWS EventBridge would refuse in a schedule expression, in words (None: nothing found)."""
    if text.startswith("rate(") and text.endswith(")"):
        return rate_problem(text[5:-1])
    if text.startswith("cron(") and text.endswith(")"):
        return cron_problem(text[5:-1])
    return "expected rate(N unit) or cron(minutes hours day-of-month month day-of-week year)"


def rate_problem(body: str) -> str | None:
    parts = body.split(" ")
    if len(parts) != 2 or not parts[0].isascii() or not parts[0].isdigit() or parts[0].startswith("0"):
        return "a rate is rate(N unit) with N a whole number of at least 1, for example rate(5 minutes)"
    count, unit = int(parts[0]), parts[1]
    singular = unit.rstrip("s") if unit.rstrip("s") in _RATE_UNITS else None
    if singular is None:
        return "the unit of a rate is minute(s), hour(s) or day(s)"
    wanted = singular if count == 1 else _RATE_UNITS[singular]
    if unit != wanted:
        return f"EventBridge wants rate({count} {wanted})"
    return None


def cron_problem(body: str) -> str | None:
    fields = body.split(" ")
    if len(fields) != 6 or not all(fields):
        hint = " (add the year: `*`)" if len(fields) == 5 else ""
        return (
            f"EventBridge cron has six fields (minutes hours day-of-month month day-of-week year), "
            f"found {len([f for f in fields if f])}{hint}"
        )
    for field, text in zip(CRON_FIELDS, fields):
        problem = field_problem(field, text)
        if problem:
            return f"the {field.name} field {text!r} {problem}"
    if (fields[2] == "?") == (fields[4] == "?"):
        return "exactly one of day-of-month and day-of-week must be `?`, for example cron(0 2 * * ? *)"
    return None


def field_problem(field: CronField, text: str) -> str | None:
    """What is wrong with one field of a cron expression, in words (None: nothing)."""
    if text == "?":
        return None if "?" in field.special else "cannot be `?`: only day-of-month or day-of-week can"
    special = _special_problem(field, text)
    if special is not False:
        return special
    for item in text.split(","):
        problem = _item_problem(field, item)
        if problem:
            return problem
    return None


def _special_problem(field: CronField, text: str) -> str | None | bool:
    """`L`, `LW`, `NW`, `NL`, `N#K`: None when valid, a problem in words, False when `text` is none of them."""
    if "L" not in field.special or not re.search(r"[LW#]$|#", text.upper()) or "," in text:
        return False
    upper = text.upper()
    if field.name == "day-of-month":
        if upper in ("L", "LW"):
            return None
        if upper.endswith("W") and upper[:-1].isdigit():
            return _value_problem(field, upper[:-1]) and f"takes NW with N {field.values}"
        return False
    if upper == "L":
        return None
    if upper.endswith("L") and "#" not in upper:
        return _value_problem(field, upper[:-1]) and f"takes NL with N {field.values}"
    day, _, nth = upper.partition("#")
    if nth:
        if _value_problem(field, day) or not nth.isdigit() or not 1 <= int(nth) <= 5:
            return f"takes N#K with N {field.values} and K 1-5 (the K-th such day of the month)"
        return None
    return False


def _item_problem(field: CronField, item: str) -> str | None:
    match = _ITEM.fullmatch(item)
    if match is None:
        return f"is not valid: it takes {field.values}, lists (,), ranges (-), `*` and steps (/)"
    start, end, step = match.group("start", "end", "step")
    if start == "*" and end is not None:
        return "is not valid: `*` cannot start a range"
    for value in (start, end):
        if value is not None and value != "*":
            problem = _value_problem(field, value)
            if problem:
                return problem
    if step is not None and not 1 <= int(step) <= field.most_step:
        return f"has a step of {step}: {field.name} take steps of 1-{field.most_step}"
    return None


def _value_problem(field: CronField, value: str) -> str | None:
    if value.isascii() and value.isdigit():
        if field.low <= int(value) <= field.high:
            return None
        return f"is out of range: {field.name} are {field.values}"
    if value.upper() in field.names:
        return None
    return f"is not valid: {field.name} are {field.values}"
