from rest_framework.routers import DefaultRouter

from grid.api import views

router = DefaultRouter()
router.register("sub-bureaus", views.SubBureauViewSet, basename="sub-bureau")
router.register("stations", views.StationViewSet, basename="station")
router.register("communities", views.CommunityViewSet, basename="community")
router.register("grid-cells", views.GridCellViewSet, basename="grid-cell")
router.register("officers", views.OfficerProfileViewSet, basename="officer")
router.register("grid-assignments", views.GridAssignmentViewSet, basename="grid-assignment")

router.register("visits", views.GridVisitViewSet, basename="grid-visit")
router.register("visit-coverage", views.VisitCoverageViewSet, basename="visit-coverage")

urlpatterns = router.urls
