"""Pages of the nightly risk register."""

urlpatterns = []
