"""API filters of the residents app (django-filter)."""

import django_filters

from residents.models import Concern, Household, Resident


class ResidentFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains")
    id_last = django_filters.CharFilter(method="filter_id_last", label="last digits of the ID")
    address = django_filters.CharFilter(field_name="address", lookup_expr="icontains")
    grid_cell = django_filters.CharFilter(field_name="grid_cell__code")
    tag = django_filters.CharFilter(method="filter_tag", label="tag code")

    class Meta:
        model = Resident
        fields = ["household", "sex"]

    def filter_id_last(self, queryset, name, value):
        value = (value or "").strip().upper()[:6]
        return queryset.filter(id_number__endswith=value) if value else queryset

    def filter_tag(self, queryset, name, value):
        from residents.models import visible_tag_kinds

        kinds = visible_tag_kinds(self.request.user)
        through = Resident.tags.through.objects.filter(tag__code=value, tag__kind__in=kinds)
        return queryset.filter(pk__in=through.values("resident_id"))


class HouseholdFilterSet(django_filters.FilterSet):
    grid_cell = django_filters.CharFilter(field_name="grid_cell__code")
    number = django_filters.CharFilter(field_name="number", lookup_expr="icontains")

    class Meta:
        model = Household
        fields = []


class ConcernFilterSet(django_filters.FilterSet):
    grid_cell = django_filters.CharFilter(field_name="grid_cell__code")

    class Meta:
        model = Concern
        fields = ["status", "category", "station", "community", "assigned_to"]
