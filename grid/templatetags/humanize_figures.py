from django import template
from django.utils.formats import number_format

from grid.scoping import Tier

register = template.Library()


@register.filter
def thousands(value):
    """A figure with the locale's thousands separator (20,000 / 20,000 in both languages)."""
    if value in (None, ""):
        return "0"
    return number_format(value, force_grouping=True)


@register.simple_tag
def tier_label(tier):
    from django.utils.translation import gettext

    if tier == "superuser":
        return gettext("Administrator")
    try:
        return Tier(tier).label
    except ValueError:
        return ""
