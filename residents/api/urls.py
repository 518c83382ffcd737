"""API routes of the residents app."""

urlpatterns = []
