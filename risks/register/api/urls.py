"""API routes of the risk register."""

from rest_framework.routers import DefaultRouter

from risks.register.api import views

router = DefaultRouter()
router.register("register-entries", views.RegisterEntryViewSet, basename="register-entry")
router.register("register-rollups", views.RegisterRollupViewSet, basename="register-rollup")
router.register("register-runs", views.RegisterRunViewSet, basename="register-run")
router.register("register-sign-offs", views.RegisterSignOffViewSet, basename="register-sign-off")

urlpatterns = router.urls
