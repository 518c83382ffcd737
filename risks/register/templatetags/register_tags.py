"""Small, fast pieces of the register's pages (rendered once per row of long tables)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _labels() -> dict[str, str]:
    return {"red": _("Red"), "orange": _("Orange"), "yellow": _("Yellow"), "blue": _("Blue")}


@register.simple_tag
def level_badge(level: str, score=None) -> str:
    """A four-colour level badge, with the score when given."""
    if not level:
        return ""
    label = _labels().get(level, level)
    if score is not None:
        label = f"{label} · {score}"
    return format_html(
        '<span class="badge register-level register-level-{}">{}</span>', level, label
    )


@register.simple_tag
def trend(delta) -> str:
    """▲ / ▼ with the change in points, or a dash when there was no register on that date."""
    if delta is None:
        return format_html(
            '<span class="text-body-secondary" title="{}">—</span>', _("No register on that date")
        )
    if delta > 0:
        return format_html('<span class="register-trend-up">▲ {}</span>', delta)
    if delta < 0:
        return format_html('<span class="register-trend-down">▼ {}</span>', -delta)
    return mark_safe('<span class="text-body-secondary">=</span>')
