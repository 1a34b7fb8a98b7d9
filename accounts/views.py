"""The operator's user pages (create a person of a role and organisation, hand over a one-time
set-password link) and the set-password page behind that link (no login: the signed,
expiring, single-use token is the capability)."""

import uuid

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from core.access import error_text, page
from core.errors import ApplicationError
from core.pagination import page_of

from .models import Organisation, User
from .selectors import user_get, user_list
from .services import (
    PasswordLinkInvalid,
    password_link_reissue,
    password_link_user,
    password_set_by_link,
    user_invite,
)

OPERATOR = "operator"
USER_FORM_KINDS = (
    Organisation.Kind.SERVICE_CENTER,
    Organisation.Kind.OPERATOR,
    Organisation.Kind.MERCHANT,
)
# Where a fresh link waits for the one page view that shows it (never stored anywhere else).
PASSWORD_LINK_SESSION_KEY = "password_link"


class UserForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=User.Role.choices)
    organisation = forms.TypedChoiceField(label=gettext_lazy("所属机构"), coerce=int)
    username = forms.RegexField(
        label=gettext_lazy("登录名（字母、数字）"), regex=r"^[\w.@+-]{3,150}$"
    )
    display_name = forms.CharField(label=gettext_lazy("姓名"), max_length=60, required=False)
    phone = forms.RegexField(
        label=gettext_lazy("手机号"), regex=r"^(1\d{10})?$", required=False, max_length=11
    )
    send_sms = forms.BooleanField(label=gettext_lazy("把设置密码的链接发短信给他"), required=False)
    key = forms.UUIDField(widget=forms.HiddenInput)


def _show_link_once(request: HttpRequest, user_id: int, path: str) -> None:
    request.session[PASSWORD_LINK_SESSION_KEY] = {
        "user_id": user_id,
        "url": request.build_absolute_uri(path),
    }


@page(OPERATOR)
def users(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:60]
    found = page_of(request, user_list(viewer=request.user, search=q))
    return render(request, "accounts/users.html", {"page_obj": found, "q": q})


@page(OPERATOR)
def user_new(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST or None, initial={"key": uuid.uuid4()})
    # Leads are made from their workshop's page; here the organisations a list can hold
    # (service centers, the platform, merchants), or the one the link names.
    chosen = request.GET.get("organisation", "")
    organisations = Organisation.objects.filter(is_active=True).filter(
        Q(kind__in=USER_FORM_KINDS) | Q(pk=int(chosen) if chosen.isdigit() else None)
    )
    form.initial["organisation"] = chosen
    form.initial["role"] = request.GET.get("role", "")
    form.fields["organisation"].choices = [
        (org.pk, f"{org.name}（{org.get_kind_display()}）") for org in organisations
    ]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, path = user_invite(
                actor=request.user,
                username=data["username"],
                role=data["role"],
                organisation_id=data["organisation"],
                display_name=data["display_name"],
                phone=data["phone"] or "",
                send_sms=data["send_sms"],
                key=data["key"],
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            _show_link_once(request, user.pk, path)
            messages.success(request, _("已创建用户：%(name)s") % {"name": user})
            return redirect("accounts:user", user_id=user.pk)
    return render(request, "accounts/user_new.html", {"form": form})


@page(OPERATOR)
def user(request: HttpRequest, user_id: int) -> HttpResponse:
    person = user_get(viewer=request.user, user_id=user_id)
    if request.method == "POST":
        try:
            path = password_link_reissue(
                actor=request.user, user_id=person.pk, send_sms="send_sms" in request.POST
            )
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            _show_link_once(request, person.pk, path)
        return redirect("accounts:user", user_id=person.pk)
    shown = request.session.get(PASSWORD_LINK_SESSION_KEY)
    link = None
    if shown and shown.get("user_id") == person.pk:
        link = shown["url"]
        del request.session[PASSWORD_LINK_SESSION_KEY]
    response = render(request, "accounts/user.html", {"person": person, "link": link})
    response["Cache-Control"] = "no-store"  # the link must not come back from a cache
    return response


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=gettext_lazy("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("再输一次"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一样。"))
        return data


@never_cache
def set_password(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The person chooses a password (Django's validators); afterwards the link is dead."""
    try:
        person = password_link_user(uidb64=uidb64, token=token)
    except PasswordLinkInvalid as exc:
        return render(request, "accounts/link_invalid.html", {"message": exc.message}, status=404)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_set_by_link(
                uidb64=uidb64, token=token, password=form.cleaned_data["password1"]
            )
        except PasswordLinkInvalid as exc:
            return render(
                request, "accounts/link_invalid.html", {"message": exc.message}, status=404
            )
        except ApplicationError as exc:
            form.add_error("password1", error_text(exc))
        else:
            messages.success(request, _("密码已设置，请用新密码登录。"))
            return redirect("pages:login")
    return render(request, "accounts/set_password.html", {"form": form, "person": person})
