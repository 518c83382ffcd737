from django.urls import path

from grid import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("grid-cells/", views.grid_cell_list, name="grid_cell_list"),
    path("grid-cells/<str:code>/", views.grid_cell_detail, name="grid_cell_detail"),
    path("grid-cells/<str:code>/assign/", views.grid_cell_assign, name="grid_cell_assign"),
    path("stations/", views.station_list, name="station_list"),
    path("stations/<str:code>/", views.station_detail, name="station_detail"),
    path("officers/", views.officer_list, name="officer_list"),
    path("day/", views.day, name="day"),
    path("coverage/", views.coverage, name="coverage"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/residents/", views.visit_resident_search, name="visit_resident_search"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/photos/<int:pk>/", views.visit_photo, name="visit_photo"),
]
