import django_filters

from grid.models import Community, GridAssignment, GridCell, GridVisit, OfficerProfile, Station


class StationFilterSet(django_filters.FilterSet):
    class Meta:
        model = Station
        fields = {"sub_bureau": ["exact"], "code": ["exact"]}


class CommunityFilterSet(django_filters.FilterSet):
    class Meta:
        model = Community
        fields = {"station": ["exact"], "code": ["exact"]}


class GridCellFilterSet(django_filters.FilterSet):
    station = django_filters.NumberFilter(field_name="community__station_id")
    sub_bureau = django_filters.NumberFilter(field_name="community__station__sub_bureau_id")

    class Meta:
        model = GridCell
        fields = {"community": ["exact"], "code": ["exact"]}


class OfficerProfileFilterSet(django_filters.FilterSet):
    class Meta:
        model = OfficerProfile
        fields = {"tier": ["exact"], "station": ["exact"], "sub_bureau": ["exact"]}


class GridAssignmentFilterSet(django_filters.FilterSet):
    active_on = django_filters.DateFilter(method="filter_active_on")

    class Meta:
        model = GridAssignment
        fields = {"grid_cell": ["exact"], "officer": ["exact"], "role": ["exact"]}

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value)


class GridVisitFilterSet(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="visit_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="visit_date", lookup_expr="lte")
    grid_cell_code = django_filters.CharFilter(field_name="grid_cell__code")

    class Meta:
        model = GridVisit
        fields = {"grid_cell": ["exact"], "officer": ["exact"], "visit_type": ["exact"]}
