"""Template helpers for risk levels (labels and colour classes from the one scoring module)."""

from django import template
from django.utils.html import format_html

from risks.scoring import Level

register = template.Library()


@register.filter
def level_label(value) -> str:
    try:
        return str(Level(value).label)
    except ValueError:
        return ""


@register.simple_tag
def level_badge(value, score=None):
    """A coloured badge for a level (a simple tag: lists render it for every row)."""
    try:
        level = Level(value)
    except ValueError:
        return ""
    if score:
        return format_html(
            '<span class="badge risk-level risk-level-{}">{} · {}</span>',
            level.value,
            level.label,
            score,
        )
    return format_html(
        '<span class="badge risk-level risk-level-{}">{}</span>', level.value, level.label
    )
