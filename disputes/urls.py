"""Pages of the disputes app (namespace "disputes")."""

from django.urls import path

from disputes import views

app_name = "disputes"

urlpatterns = [
    path("disputes/", views.case_list, name="case_list"),
    path("disputes/mine/", views.my_cases, name="my_cases"),
    path("disputes/board/", views.board, name="board"),
    path("disputes/new/", views.case_create, name="case_create"),
    path("disputes/<int:pk>/", views.case_detail, name="case_detail"),
    path("disputes/<int:pk>/edit/", views.case_update, name="case_update"),
    path("disputes/<int:pk>/move/", views.case_transition, name="case_transition"),
    path("disputes/<int:pk>/move/<str:stage>/", views.case_transition, name="case_transition"),
    path("disputes/<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path(
        "disputes/sessions/<int:pk>/agreement/",
        views.session_agreement,
        name="session_agreement",
    ),
    path("disputes/<int:pk>/parties/add/", views.party_add, name="party_add"),
    path(
        "disputes/<int:pk>/parties/<int:party_pk>/remove/",
        views.party_remove,
        name="party_remove",
    ),
]
