"""Template helpers for the portal: figures, tiers and people's names."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext

from grid.people import person_name as _person_name
from grid.scoping import Tier

register = template.Library()


@register.filter
def thousands(value):
    """A figure with the locale's thousands separator."""
    if value in (None, ""):
        return "0"
    return number_format(value, force_grouping=True)


@register.filter
def person_name(user):
    """A user's name as people write it (Chinese: surname first, no space)."""
    return _person_name(user)


@register.simple_tag
def tier_label(tier):
    if tier == "superuser":
        return gettext("Administrator")
    try:
        return Tier(tier).label
    except ValueError:
        return ""
