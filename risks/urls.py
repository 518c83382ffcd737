"""Pages of the risk-point inventory."""

from django.urls import path

from risks import views

urlpatterns = [
    path("risks/", views.risk_point_list, name="risk_point_list"),
    path("risks/new/", views.risk_point_create, name="risk_point_create"),
    path("risks/oversight/", views.risk_oversight, name="risk_oversight"),
    path("risks/map/", views.risk_map, name="risk_map"),
    path("risks/proposals/", views.risk_proposal_list, name="risk_proposal_list"),
    path(
        "risks/proposals/<int:pk>/accept/",
        views.risk_proposal_accept,
        name="risk_proposal_accept",
    ),
    path(
        "risks/proposals/<int:pk>/dismiss/",
        views.risk_proposal_dismiss,
        name="risk_proposal_dismiss",
    ),
    path("risks/<int:pk>/", views.risk_point_detail, name="risk_point_detail"),
    path("risks/<int:pk>/edit/", views.risk_point_update, name="risk_point_update"),
    path("risks/<int:pk>/review/", views.risk_point_review, name="risk_point_review"),
    path("risks/<int:pk>/status/", views.risk_point_transition, name="risk_point_transition"),
    path("risks/<int:pk>/measures/new/", views.measure_create, name="risk_measure_create"),
    path("risks/measures/<int:pk>/edit/", views.measure_update, name="risk_measure_update"),
    path("risks/<int:pk>/links/new/", views.risk_link_create, name="risk_link_create"),
    path(
        "risks/<int:pk>/links/shared-party/",
        views.risk_shared_party_links,
        name="risk_shared_party_links",
    ),
    path("risks/links/<int:pk>/delete/", views.risk_link_delete, name="risk_link_delete"),
]
