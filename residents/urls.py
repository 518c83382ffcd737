"""Pages of the residents registry and the public concern form."""

urlpatterns = []
