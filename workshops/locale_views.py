"""The operator's pages for a workshop's and a household's language and time zone.

The writes are ``workshops.services.workshop_locale_set`` / ``household_locale_set``; an unknown
language or time zone is the service's 400, shown on the field it concerns.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import error_text, page
from core.errors import ApplicationError
from core.locales import UnknownLanguage, UnknownTimeZone

from .selectors import household_get, workshop_get, workshop_language, workshop_time_zone
from .services import household_locale_set, workshop_locale_set

OPERATOR = "operator"
# Shown as the time zone field's examples: the zones of the cooperation region and beyond.
ZONE_EXAMPLES = "Asia/Shanghai, Asia/Urumqi, Asia/Tashkent, Africa/Dakar"


class LocaleForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("语言"), required=False)
    time_zone = forms.CharField(
        label=gettext_lazy("时区"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("IANA 时区名称，例如 %(examples)s") % {"examples": ZONE_EXAMPLES},
    )

    def __init__(self, *args, follow_label: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(code, name) for code, name in settings.LANGUAGES]
        if follow_label:  # a household: blank follows its workshop
            choices = [("", follow_label), *choices]
        self.fields["language"].choices = choices
        self.fields["time_zone"].widget.attrs.update(
            {"autocapitalize": "off", "spellcheck": "false", "placeholder": settings.TIME_ZONE}
        )


def _save(form: LocaleForm, write) -> bool:
    try:
        write(
            language=form.cleaned_data["language"],
            time_zone=form.cleaned_data["time_zone"],
        )
    except UnknownLanguage as exc:
        form.add_error("language", error_text(exc))
    except UnknownTimeZone as exc:
        form.add_error("time_zone", error_text(exc))
    except ApplicationError as exc:
        form.add_error(None, error_text(exc))
    else:
        return True
    return False


def _page(request, form, *, title: str, back: str, hint: str) -> HttpResponse:
    context = {"form": form, "title": title, "submit": _("保存"), "back": back, "hint": hint}
    return render(request, "workshops/form.html", context)


@page(OPERATOR)
def workshop_locale(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = workshop_get(viewer=request.user, workshop_id=workshop_id)
    form = LocaleForm(
        request.POST or None,
        initial={"language": workshop.language, "time_zone": workshop.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        if _save(
            form,
            lambda **values: workshop_locale_set(
                actor=request.user, workshop_id=workshop.pk, **values
            ),
        ):
            messages.success(request, _("已保存。"))
            return redirect("workshops:workshop", workshop_id=workshop.pk)
    return _page(
        request,
        form,
        title=_("语言与时区"),
        back=reverse("workshops:workshop", args=[workshop.pk]),
        hint=_("农户的结算单和通知用这种语言；截止时间和设备时间按这个时区显示。"),
    )


@page(OPERATOR)
def household_locale(request: HttpRequest, household_id: int) -> HttpResponse:
    household = household_get(viewer=request.user, household_id=household_id)
    workshop = household.workshop
    form = LocaleForm(
        request.POST or None,
        initial={"language": household.language, "time_zone": household.time_zone},
        follow_label=_("同工坊（%(language)s）") % {"language": workshop_language(workshop)},
    )
    if request.method == "POST" and form.is_valid():
        if _save(
            form,
            lambda **values: household_locale_set(
                actor=request.user, household_id=household.pk, **values
            ),
        ):
            messages.success(request, _("已保存。"))
            return redirect("workshops:household", household_id=household.pk)
    return _page(
        request,
        form,
        title=_("语言与时区"),
        back=reverse("workshops:household", args=[household.pk]),
        hint=_("留空则与工坊相同（时区 %(zone)s）。") % {"zone": workshop_time_zone(workshop)},
    )
