from django.urls import path

from grid import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("grid-cells/", views.grid_cell_list, name="grid_cell_list"),
    path("grid-cells/<str:code>/", views.grid_cell_detail, name="grid_cell_detail"),
    path("stations/", views.station_list, name="station_list"),
    path("stations/<str:code>/", views.station_detail, name="station_detail"),
    path("officers/", views.officer_list, name="officer_list"),
]
