"""API routes of the risks app."""

from rest_framework.routers import DefaultRouter

from risks.api import views

router = DefaultRouter()
router.register("risk-points", views.RiskPointViewSet, basename="risk-point")
router.register("risk-measures", views.MeasureViewSet, basename="risk-measure")
router.register("risk-links", views.RiskLinkViewSet, basename="risk-link")
router.register("risk-proposals", views.RiskProposalViewSet, basename="risk-proposal")

urlpatterns = router.urls
