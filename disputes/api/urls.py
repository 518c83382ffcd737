"""API routes of the disputes app."""

from rest_framework.routers import DefaultRouter

from disputes.api import views

router = DefaultRouter()
router.register("disputes", views.DisputeCaseViewSet, basename="dispute-case")

urlpatterns = router.urls
