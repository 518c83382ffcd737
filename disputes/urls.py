"""Pages of the disputes app (namespace "disputes")."""

from django.urls import path  # noqa: F401

app_name = "disputes"

urlpatterns: list = []
