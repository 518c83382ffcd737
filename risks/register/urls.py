"""Pages of the nightly risk register."""

from django.urls import path

from risks.register import views

urlpatterns = [
    path("register/", views.register_list, name="register_list"),
    path("register/export.xlsx", views.register_export, name="register_export"),
    path("register/map/", views.register_map, name="register_map"),
    path("register/map.geojson", views.register_map_data, name="register_map_data"),
    path("register/cells/<str:code>/", views.register_cell, name="register_cell"),
    path("register/rollups/", views.register_rollups, name="register_rollups"),
    path("register/stations/<str:code>/", views.register_station, name="register_station"),
    path(
        "register/stations/<str:code>/sign-off/",
        views.register_sign_off,
        name="register_sign_off",
    ),
    path("register/sub-bureaus/<str:code>/", views.register_sub_bureau, name="register_sub_bureau"),
    path("register/runs/", views.register_runs, name="register_runs"),
]
