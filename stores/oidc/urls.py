from django.urls import path

from stores.oidc.views import SignInCallbackView, SignInStartView

# The names mozilla-django-oidc reverses for the redirect URI.
urlpatterns = [
    path("authenticate/", SignInStartView.as_view(), name="oidc_authentication_init"),
    path("callback/", SignInCallbackView.as_view(), name="oidc_authentication_callback"),
]
