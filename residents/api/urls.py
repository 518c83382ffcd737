"""API routes of the residents app."""

from rest_framework.routers import DefaultRouter

from residents.api import views

router = DefaultRouter()
router.register("residents", views.ResidentViewSet, basename="resident")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("concerns", views.ConcernViewSet, basename="concern")

urlpatterns = router.urls
