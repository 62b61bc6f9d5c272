from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy

from accounts.forms import LoginForm, StaffPasswordChangeForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = StaffPasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): 429 with the page saying whether the
    account or the address is locked (accounts/lockout.py), and for how long."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    context = {
        "by_address": getattr(request, "login_locked_by", None) == "ip_address",
        "minutes": max(1, round(cool_off.total_seconds() / 60)),  # AXES_COOLOFF_TIME is always set
    }
    return render(request, "accounts/locked_out.html", context, status=429)
