"""Pages of the risk-point inventory."""

urlpatterns = []
