from django.contrib.auth import views as auth_views
from django.urls import path

from onboarding import forms, views

app_name = "onboarding"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-up/", views.sign_up, name="sign-up"),
    path("sign-up/sent/", views.sign_up_sent, name="sign-up-sent"),
    path("verify/<str:token>/", views.verify_email, name="verify-email"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            template_name="onboarding/sign_in.html",
            authentication_form=forms.SignInForm,
            redirect_authenticated_user=True,
        ),
        name="sign-in",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="sign-out"),
    path("apply/", views.OnboardingWizard.as_view(), name="wizard"),
    path("apply/confirmation/", views.confirmation, name="confirmation"),
]
