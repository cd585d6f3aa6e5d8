"""The project's URLs plus the leak tests' own views."""

from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from tests.leaks import views

COPY_POST_AND_RAISE = "/leaks/copy-post-and-raise/"
LOG_POSTED_VALUES = "/leaks/log-posted-values/"
INSERT_DUPLICATE = "/leaks/insert-duplicate/"

urlpatterns = [
    path(COPY_POST_AND_RAISE.strip("/") + "/", views.copy_post_and_raise),
    path(LOG_POSTED_VALUES.strip("/") + "/", views.log_posted_values),
    path(INSERT_DUPLICATE.strip("/") + "/", views.insert_duplicate),
    *project_urlpatterns,
]
