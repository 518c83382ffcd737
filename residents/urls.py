"""Pages of the residents registry and the public concern form."""

from django.urls import path

from residents import views

app_name = "residents"

urlpatterns = [
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/new/", views.resident_create, name="resident_create"),
    path("residents/export/", views.resident_export, name="resident_export"),
    path("residents/access-records/", views.access_record_list, name="access_record_list"),
    path("residents/imports/", views.import_list, name="import_list"),
    path("residents/imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("residents/imports/<int:pk>/import/", views.import_confirm, name="import_confirm"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("concerns/", views.concern_list, name="concern_list"),
    path("concerns/<int:pk>/", views.concern_detail, name="concern_detail"),
    path("concerns/<int:pk>/photo/", views.concern_photo, name="concern_photo"),
    path(
        "concerns/<int:pk>/<slug:action>/",
        views.concern_action,
        name="concern_action",
    ),
    # Public, no login
    path("concern/", views.concern_new, name="concern_new"),
    path("concern/sent/", views.concern_submitted, name="concern_submitted"),
    path("concern/status/", views.concern_status, name="concern_status"),
    path(
        "concern/map/<int:community_id>.geojson",
        views.concern_community_cells,
        name="concern_community_cells",
    ),
]
