"""Making valid resident ID numbers (GB 11643), for the demo data and tests.

Region codes come from python-stdnum's own table (``stdnum/cn/loc.dat``), with the years each
code was in use, so every generated number passes ``stdnum.cn.ric.validate``.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import stdnum
from stdnum.cn import ric

_RANGE = re.compile(r"\[(\d*)-(\d*)\]")


@lru_cache(maxsize=1)
def region_codes() -> list[tuple[str, int, int]]:
    """(six-digit code, first year, last year) of every county-level region."""
    path = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    codes: list[tuple[str, int, int]] = []
    province = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        code, _, rest = line.strip().partition(" ")
        if len(code) != 4 or code.endswith("00"):
            continue  # provinces and prefectures themselves are not birth places here
        full = province + code
        ranges = _RANGE.findall(rest)
        if not ranges:
            codes.append((full, 0, 9999))
        for start, end in ranges:
            codes.append((full, int(start or 0), int(end or 9999)))
    return codes


@lru_cache(maxsize=1)
def region_years() -> dict[str, tuple[tuple[int, int], ...]]:
    """Every region code stdnum knows (prefectures included), with the years it was in use."""
    path = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    years: dict[str, list[tuple[int, int]]] = {}
    province = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        code, _, rest = line.strip().partition(" ")
        ranges = _RANGE.findall(rest)
        spans = years.setdefault(province + code, [])
        if not ranges:
            spans.append((0, 9999))
        for start, end in ranges:
            spans.append((int(start or 0), int(end or 9999)))
    return {code: tuple(spans) for code, spans in years.items()}


def codes_for_year(year: int, prefix: str = "") -> list[str]:
    return [c for c, start, end in region_codes() if start <= year <= end and c.startswith(prefix)]


def make_id_number(region: str, birth_date: date, sequence: int) -> str:
    """``sequence`` 0-999: its parity gives the sex (odd: male)."""
    body = f"{region}{birth_date:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")
