from django.conf import settings
from django.urls import include, path

from onboarding.staff.site import staff_portal

urlpatterns = [
    path(settings.STAFF_PORTAL_PATH, staff_portal.urls),
    path("", include("onboarding.urls")),
]
