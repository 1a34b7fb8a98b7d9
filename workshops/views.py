"""The operator's region pages: service centers → workshops → households, and the skills.

Every write goes through the services the API calls (``accounts.services`` for service
centers and new users, ``workshops.services`` for the rest), every read through selectors.
Forms that create something carry a UUID made when the form was rendered, so a double tap on a
slow link returns what the first one made.
"""

import uuid

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.selectors import service_center_get, service_center_list, user_list
from accounts.services import service_center_create, service_center_update
from core.access import error_text, page
from core.errors import ApplicationError
from core.locales import UnknownLanguage, UnknownTimeZone, default_language, default_time_zone
from core.pagination import page_of

from .locale_views import LocaleForm
from .models import SkillLevel, Workshop
from .selectors import household_get, household_list, skill_list, workshop_events, workshop_get
from .selectors import workshop_list as workshops_of
from .services import (
    household_create,
    household_set_active,
    household_update,
    skill_create,
    skill_rename,
    skill_retire,
    workshop_capacity_request,
    workshop_create,
    workshop_lead_replace,
    workshop_profile_update,
    workshop_set_status,
    workshop_skills_set,
)

OPERATOR = "operator"
PASSWORD_LINK_SESSION_KEY = "password_link"


def _key_field() -> forms.UUIDField:
    return forms.UUIDField(widget=forms.HiddenInput)


def _form_page(request, form, *, title: str, submit: str, back: str, hint: str = ""):
    context = {"form": form, "title": title, "submit": submit, "back": back, "hint": hint}
    return render(request, "workshops/form.html", context)


def _ok(request: HttpRequest, text: str) -> None:
    messages.success(request, text)


# --- forms ---------------------------------------------------------------------------------


class PlaceForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), min_length=2, max_length=120)
    province = forms.CharField(label=gettext_lazy("省"), min_length=2, max_length=40)
    county = forms.CharField(label=gettext_lazy("县"), max_length=40, required=False)
    township = forms.CharField(label=gettext_lazy("乡镇"), max_length=40, required=False)
    village = forms.CharField(label=gettext_lazy("村"), max_length=40, required=False)
    latitude = forms.DecimalField(
        label=gettext_lazy("纬度"), max_digits=9, decimal_places=6, required=False
    )
    longitude = forms.DecimalField(
        label=gettext_lazy("经度"), max_digits=9, decimal_places=6, required=False
    )


class CenterForm(PlaceForm):
    payout_currency = forms.CharField(
        label=gettext_lazy("发放币种"),
        min_length=3,
        max_length=3,
        initial="CNY",
        help_text=gettext_lazy("ISO 4217 代码，如 CNY、XOF、KWD：这个中心的农户以此币种领取。"),
    )


class CenterNewForm(CenterForm):
    key = _key_field()


class WorkshopNewForm(PlaceForm, LocaleForm):
    county = forms.CharField(label=gettext_lazy("县"), min_length=2, max_length=40)
    daily_capacity = forms.IntegerField(
        label=gettext_lazy("日产能（件）"), min_value=1, max_value=1_000_000, initial=300
    )
    key = _key_field()

    field_order = [*PlaceForm.base_fields, "daily_capacity", "language", "time_zone", "key"]


class WorkshopEditForm(PlaceForm):
    county = forms.CharField(label=gettext_lazy("县"), min_length=2, max_length=40)
    service_center_id = forms.TypedChoiceField(label=gettext_lazy("服务中心"), coerce=int)


class CapacityForm(forms.Form):
    daily_capacity = forms.IntegerField(
        label=gettext_lazy("日产能（件）"), min_value=1, max_value=1_000_000
    )
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=200)


class StatusForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=200, required=False)


class HouseholdForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("户主姓名"), max_length=60)
    members = forms.IntegerField(
        label=gettext_lazy("参与人数"), min_value=1, max_value=20, initial=1
    )
    phone = forms.RegexField(
        label=gettext_lazy("手机号"), regex=r"^(1\d{10})?$", required=False, max_length=11
    )
    payment_account = forms.RegexField(
        label=gettext_lazy("收款账户"), regex=r"^[0-9A-Za-z]*$", required=False, max_length=40
    )
    payment_account_name = forms.CharField(
        label=gettext_lazy("收款人"), max_length=60, required=False
    )
    # the passbook's second factor (with the phone's last four digits)
    birth_year = forms.IntegerField(
        label=gettext_lazy("户主出生年份"), min_value=1900, max_value=2100, required=False
    )


NOT_TEXT = {"members", "birth_year"}  # the household form's fields that are not text


class HouseholdNewForm(HouseholdForm):
    key = _key_field()


class HouseholdEditForm(HouseholdForm):
    reason = forms.CharField(label=gettext_lazy("修改原因"), max_length=200, required=False)


class HouseholdActiveForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=200, required=False)


class LeadForm(forms.Form):
    NEW = "new"
    choice = forms.ChoiceField(label=gettext_lazy("带头人"), widget=forms.RadioSelect)
    username = forms.RegexField(
        label=gettext_lazy("新账号登录名"), regex=r"^[\w.@+-]{3,150}$", required=False
    )
    display_name = forms.CharField(label=gettext_lazy("姓名"), max_length=60, required=False)
    phone = forms.RegexField(
        label=gettext_lazy("手机号"), regex=r"^(1\d{10})?$", required=False, max_length=11
    )
    send_sms = forms.BooleanField(label=gettext_lazy("把设置密码的链接发短信给他"), required=False)
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=200)
    key = _key_field()

    def clean(self):
        data = super().clean()
        if data.get("choice") == self.NEW and not data.get("username"):
            self.add_error("username", _("新建带头人请填写登录名。"))
        return data


class SkillNewForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("代码（小写字母、数字、连字符）"), regex=r"^[a-z0-9-]{2,40}$"
    )
    name = forms.CharField(label=gettext_lazy("名称"), max_length=40)
    name_en = forms.CharField(label=gettext_lazy("英文名称"), max_length=60, required=False)
    key = _key_field()


class SkillRenameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=40)
    name_en = forms.CharField(label=gettext_lazy("英文名称"), max_length=60, required=False)


def _place(data: dict) -> dict:
    fields = ("name", "province", "county", "township", "village", "latitude", "longitude")
    return {name: data[name] for name in fields}


# --- service centers -------------------------------------------------------------------------


@page(OPERATOR)
def region(request: HttpRequest) -> HttpResponse:
    """The operator's region: service centers (search, pages), and the way to users and skills."""
    q = request.GET.get("q", "").strip()[:60]
    centers = page_of(request, service_center_list(viewer=request.user, search=q))
    return render(request, "workshops/region.html", {"page_obj": centers, "q": q})


@page(OPERATOR)
def center_new(request: HttpRequest) -> HttpResponse:
    form = CenterNewForm(request.POST or None, initial={"key": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            center = service_center_create(
                actor=request.user,
                key=data["key"],
                payout_currency=data["payout_currency"],
                **_place(data),
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            _ok(request, _("已登记服务中心：%(name)s") % {"name": center.name})
            return redirect("workshops:center", service_center_id=center.pk)
    return _form_page(
        request, form, title=_("新建服务中心"), submit=_("登记"), back=reverse("workshops:region")
    )


@page(OPERATOR)
def center(request: HttpRequest, service_center_id: int) -> HttpResponse:
    center = service_center_get(viewer=request.user, service_center_id=service_center_id)
    q = request.GET.get("q", "").strip()[:60]
    workshops = page_of(
        request, workshops_of(viewer=request.user, search=q, service_center_id=center.pk)
    )
    return render(
        request, "workshops/center.html", {"center": center, "page_obj": workshops, "q": q}
    )


@page(OPERATOR)
def center_edit(request: HttpRequest, service_center_id: int) -> HttpResponse:
    center = service_center_get(viewer=request.user, service_center_id=service_center_id)
    initial = {**_place(center.__dict__), "payout_currency": center.payout_currency}
    form = CenterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            service_center_update(
                actor=request.user,
                service_center_id=center.pk,
                payout_currency=form.cleaned_data["payout_currency"],
                **_place(form.cleaned_data),
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            _ok(request, _("已保存。"))
            return redirect("workshops:center", service_center_id=center.pk)
    return _form_page(
        request, form, title=_("修改服务中心"), submit=_("保存"), back=reverse("workshops:region")
    )


# --- workshops ---------------------------------------------------------------------------------


@page(OPERATOR)
def workshop_new(request: HttpRequest, service_center_id: int) -> HttpResponse:
    center = service_center_get(viewer=request.user, service_center_id=service_center_id)
    initial = {
        "key": uuid.uuid4(),
        "province": center.province,
        "county": center.county,
        "language": default_language(),
        "time_zone": default_time_zone(),
    }
    form = WorkshopNewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            workshop = workshop_create(
                actor=request.user,
                service_center_id=center.pk,
                daily_capacity=data["daily_capacity"],
                skills={},
                key=data["key"],
                language=data["language"],
                time_zone=data["time_zone"],
                **_place(data),
            )
        except UnknownLanguage as exc:
            form.add_error("language", error_text(exc))
        except UnknownTimeZone as exc:
            form.add_error("time_zone", error_text(exc))
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            _ok(request, _("已登记工坊：%(name)s") % {"name": workshop.name})
            return redirect("workshops:workshop", workshop_id=workshop.pk)
    return _form_page(
        request,
        form,
        title=_("新建工坊 · %(center)s") % {"center": center.name},
        submit=_("登记"),
        back=reverse("workshops:region"),
        hint=_("技能由考核认证获得，或登记后由运营填写原因修改。"),
    )


@page(OPERATOR)
def workshop(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = workshop_get(viewer=request.user, workshop_id=workshop_id)
    q = request.GET.get("q", "").strip()[:60]
    households = page_of(
        request,
        household_list(
            viewer=request.user, workshop_id=workshop.pk, search=q, include_inactive=True
        ),
    )
    context = {
        "workshop": workshop,
        "page_obj": households,
        "q": q,
        "events": workshop_events(viewer=request.user, workshop_id=workshop.pk)[:5],
        "status_form": StatusForm(),
    }
    return render(request, "workshops/workshop.html", context)


@page(OPERATOR)
def workshop_edit(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = workshop_get(viewer=request.user, workshop_id=workshop_id)
    org = workshop.organisation
    form = WorkshopEditForm(
        request.POST or None,
        initial={**_place(org.__dict__), "service_center_id": org.service_center_id},
    )
    form.fields["service_center_id"].choices = [
        (c.pk, c.name) for c in service_center_list(viewer=request.user)
    ]
    if request.method == "POST" and form.is_valid():
        try:
            workshop_profile_update(
                actor=request.user,
                workshop_id=workshop.pk,
                service_center_id=form.cleaned_data["service_center_id"],
                **_place(form.cleaned_data),
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            _ok(request, _("已保存。"))
            return redirect("workshops:workshop", workshop_id=workshop.pk)
    return _form_page(
        request,
        form,
        title=_("修改工坊资料"),
        submit=_("保存"),
        back=reverse("workshops:workshop", args=[workshop.pk]),
    )


@page(OPERATOR)
def workshop_capacity(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = workshop_get(viewer=request.user, workshop_id=workshop_id)
    form = CapacityForm(request.POST or None, initial={"daily_capacity": workshop.daily_capacity})
    if request.method == "POST" and form.is_valid():
        try:
            workshop_capacity_request(
                actor=request.user, workshop_id=workshop.pk, **form.cleaned_data
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            _ok(request, _("日产能已改为 %(n)s 件。") % {"n": form.cleaned_data["daily_capacity"]})
            return redirect("workshops:workshop", workshop_id=workshop.pk)
    return _form_page(
        request,
        form,
        title=_("修改日产能 · %(name)s") % {"name": workshop.name},
        submit=_("保存"),
        back=reverse("workshops:workshop", args=[workshop.pk]),
        hint=_("每次修改都会记录：谁、何时、从多少到多少、为什么。"),
    )


def _skills_form(request, workshop: Workshop):
    current = {row.skill.code: row.level for row in workshop.skill_levels.all()}
    levels = [("0", _("无"))] + [(str(v), label) for v, label in SkillLevel.choices]
    form = forms.Form(request.POST or None)
    for skill in skill_list(include_retired=True):
        if skill.retired_at is not None and skill.code not in current:
            continue
        form.fields[f"skill-{skill.code}"] = forms.TypedChoiceField(
            label=skill.name, choices=levels, coerce=int, initial=str(current.get(skill.code, 0))
        )
    form.fields["reason"] = forms.CharField(label=_("原因（必填）"), max_length=200)
    return form


@page(OPERATOR)
def workshop_skills(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = workshop_get(viewer=request.user, workshop_id=workshop_id)
    form = _skills_form(request, workshop)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        skills = {
            name.removeprefix("skill-"): level
            for name, level in data.items()
            if name.startswith("skill-") and level
        }
        try:
            changes = workshop_skills_set(
                actor=request.user, workshop_id=workshop.pk, skills=skills, reason=data["reason"]
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            _ok(request, _("技能已更新：%(n)s 项变更已记录。") % {"n": len(changes)})
            return redirect("workshops:workshop", workshop_id=workshop.pk)
    return _form_page(
        request,
        form,
        title=_("修改技能 · %(name)s") % {"name": workshop.name},
        submit=_("保存"),
        back=reverse("workshops:workshop", args=[workshop.pk]),
        hint=_("成员农户考核认证的技能会保留在认证等级，不能在这里降低。"),
    )


@page(OPERATOR)
def workshop_status(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = workshop_get(viewer=request.user, workshop_id=workshop_id)
    if request.method != "POST":  # the form is on the workshop's page
        return redirect("workshops:workshop", workshop_id=workshop.pk)
    form = StatusForm(request.POST)
    form.is_valid()
    status = (
        Workshop.Status.ACTIVE
        if workshop.status == Workshop.Status.SUSPENDED
        else Workshop.Status.SUSPENDED
    )
    try:
        workshop_set_status(
            actor=request.user,
            workshop_id=workshop.pk,
            status=status,
            reason=form.cleaned_data.get("reason", ""),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        _ok(
            request, _("工坊已暂停。") if status == Workshop.Status.SUSPENDED else _("工坊已恢复。")
        )
    return redirect("workshops:workshop", workshop_id=workshop.pk)


@page(OPERATOR)
def workshop_lead(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = workshop_get(viewer=request.user, workshop_id=workshop_id)
    leads = user_list(
        viewer=request.user, role=User.Role.LEAD, organisation_id=workshop.organisation_id
    ).filter(is_active=True)
    form = LeadForm(request.POST or None, initial={"key": uuid.uuid4(), "choice": LeadForm.NEW})
    form.fields["choice"].choices = [
        (str(lead.pk), f"{lead} ({lead.username})") for lead in leads if lead.pk != workshop.lead_id
    ] + [(LeadForm.NEW, _("新建一个带头人账号"))]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new = data["choice"] == LeadForm.NEW
        try:
            workshop, path = workshop_lead_replace(
                actor=request.user,
                workshop_id=workshop.pk,
                reason=data["reason"],
                user_id=None if new else int(data["choice"]),
                new_lead={
                    "username": data["username"],
                    "display_name": data["display_name"],
                    "phone": data["phone"] or "",
                    "key": data["key"],
                }
                if new
                else None,
                send_sms=new and data["send_sms"],
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            _ok(
                request,
                _("%(name)s 现在是 %(workshop)s 的带头人。")
                % {"name": workshop.lead, "workshop": workshop.name},
            )
            if path:
                request.session[PASSWORD_LINK_SESSION_KEY] = {
                    "user_id": workshop.lead_id,
                    "url": request.build_absolute_uri(path),
                }
                return redirect("accounts:user", user_id=workshop.lead_id)
            return redirect("workshops:workshop", workshop_id=workshop.pk)
    current = workshop.lead
    hint = (
        _("现任带头人：%(name)s。换人后，原带头人的账号会停用（不再能看到这个工坊）。")
        % {"name": current}
        if current
        else _("这个工坊还没有带头人。")
    )
    return _form_page(
        request,
        form,
        title=_("指定带头人 · %(name)s") % {"name": workshop.name},
        submit=_("确定"),
        back=reverse("workshops:workshop", args=[workshop.pk]),
        hint=hint,
    )


# --- households ----------------------------------------------------------------------------------


@page(OPERATOR)
def household_new(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = workshop_get(viewer=request.user, workshop_id=workshop_id)
    form = HouseholdNewForm(request.POST or None, initial={"key": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            household = household_create(
                actor=request.user,
                workshop_id=workshop.pk,
                name=data["name"],
                members=data["members"],
                phone=data["phone"] or "",
                payment_account=data["payment_account"] or "",
                payment_account_name=data["payment_account_name"],
                birth_year=data["birth_year"],
                key=data["key"],
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            _ok(
                request,
                _("已登记农户：%(name)s（编号 %(id)s）")
                % {"name": household.name, "id": household.pk},
            )
            return redirect("workshops:workshop", workshop_id=workshop.pk)
    return _form_page(
        request,
        form,
        title=_("登记农户 · %(name)s") % {"name": workshop.name},
        submit=_("登记"),
        back=reverse("workshops:workshop", args=[workshop.pk]),
    )


@page(OPERATOR)
def household(request: HttpRequest, household_id: int) -> HttpResponse:
    household = household_get(viewer=request.user, household_id=household_id)
    fields = ("name", "members", "phone", "payment_account", "payment_account_name", "birth_year")
    form = HouseholdEditForm(
        request.POST or None, initial={name: getattr(household, name) for name in fields}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            household_update(
                actor=request.user,
                household_id=household.pk,
                reason=data["reason"],
                **{name: data[name] or "" for name in fields if name not in NOT_TEXT},
                members=data["members"],
                birth_year=data["birth_year"],
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            _ok(request, _("已保存。"))
            return redirect("workshops:workshop", workshop_id=household.workshop_id)
    context = {
        "household": household,
        "form": form,
        "active_form": HouseholdActiveForm(),
        "events": household.events.select_related("actor").order_by("-at", "-pk")[:5],
    }
    return render(request, "workshops/household.html", context)


@page(OPERATOR)
def household_active(request: HttpRequest, household_id: int) -> HttpResponse:
    household = household_get(viewer=request.user, household_id=household_id)
    if request.method != "POST":  # the form is on the household's page
        return redirect("workshops:household", household_id=household.pk)
    form = HouseholdActiveForm(request.POST)
    form.is_valid()
    try:
        household = household_set_active(
            actor=request.user,
            household_id=household.pk,
            active=not household.is_active,
            reason=form.cleaned_data.get("reason", ""),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("workshops:household", household_id=household.pk)
    if household.is_active:
        _ok(request, _("%(name)s 已恢复在册。") % {"name": household.name})
    else:
        _ok(request, _("%(name)s 已停用（记录和结算都保留）。") % {"name": household.name})
    return redirect("workshops:workshop", workshop_id=household.workshop_id)


# --- the skill catalogue -------------------------------------------------------------------------


@page(OPERATOR)
def skills(request: HttpRequest) -> HttpResponse:
    form = SkillNewForm(request.POST or None, initial={"key": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        try:
            skill = skill_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            _ok(request, _("已添加技能：%(name)s") % {"name": skill.name})
            return redirect("workshops:skills")
    catalogue = skill_list(include_retired=True).order_by("retired_at", "code")
    return render(request, "workshops/skills.html", {"skills": catalogue, "form": form})


@page(OPERATOR)
def skill(request: HttpRequest, skill_code: str) -> HttpResponse:
    found = skill_list(include_retired=True).filter(code=skill_code).first()
    if found is None:
        from django.http import Http404

        raise Http404
    form = SkillRenameForm(
        request.POST or None, initial={"name": found.name, "name_en": found.name_en}
    )
    if request.method == "POST":
        try:
            if "retire" in request.POST:
                skill_retire(actor=request.user, skill_code=found.code)
                _ok(request, _("已停用技能：%(name)s") % {"name": found.name})
                return redirect("workshops:skills")
            if form.is_valid():
                skill_rename(actor=request.user, skill_code=found.code, **form.cleaned_data)
                _ok(request, _("已保存。"))
                return redirect("workshops:skills")
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
    return render(request, "workshops/skill.html", {"skill": found, "form": form})
