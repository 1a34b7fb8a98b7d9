"""Trainer pages: my cohorts, a trainee's progress by module and assessments, the quick log
form, recording an assessment (a pass of a skill certifies it), and revoking a mistaken one."""

import uuid
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import error_text, page
from core.errors import ApplicationError
from workshops.models import SkillLevel

from .models import MAX_HOURS_PER_DAY, MAX_SCORE, Trainee
from .selectors import (
    cohort_get,
    cohort_list,
    cohort_summary,
    programme_get,
    trainee_get,
    trainee_list,
    trainee_record,
)
from .services import assessment_record, assessment_revoke, progress_log

TRAINER = "trainer"


COHORTS_PAGE = 20  # cohorts per page on /train/ (a trainer of the base may teach 200)
MAX_OFFSET = 100_000


@page(TRAINER)
def cohorts(request: HttpRequest) -> HttpResponse:
    """The trainer's cohorts, newest first, a page at a time (``?from=20``)."""
    raw = request.GET.get("from", "")
    offset = min(int(raw), MAX_OFFSET) if raw.isdigit() else 0
    rows = list(cohort_list(viewer=request.user)[offset : offset + COHORTS_PAGE + 1])
    context = {
        "cohorts": rows[:COHORTS_PAGE],
        "more": offset + COHORTS_PAGE if len(rows) > COHORTS_PAGE else None,
        "earlier": max(0, offset - COHORTS_PAGE) if offset else None,
    }
    return render(request, "trainees/cohorts.html", context)


@page(TRAINER)
def cohort_detail(request: HttpRequest, cohort_id: int) -> HttpResponse:
    summary = cohort_summary(viewer=request.user, cohort_id=cohort_id)
    return render(request, "trainees/cohort.html", {"summary": summary})


@page(TRAINER)
def trainee_detail(request: HttpRequest, trainee_id: int) -> HttpResponse:
    record = trainee_record(viewer=request.user, trainee_id=trainee_id, logs=10)
    trainee = record.trainee
    context = {
        "trainee": trainee,
        "summary": record.summary,
        "logs": record.logs,
        "assessments": record.assessments,
        "assessable": trainee.status in (Trainee.Status.ENROLLED, Trainee.Status.IN_TRAINING),
    }
    return render(request, "trainees/trainee.html", context)


class ProgressLogForm(forms.Form):
    trainees = forms.TypedMultipleChoiceField(
        label=gettext_lazy("学员"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    module = forms.TypedChoiceField(label=gettext_lazy("培训模块"), coerce=int)
    date = forms.DateField(
        label=gettext_lazy("日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    hours = forms.DecimalField(
        label=gettext_lazy("学时"),
        min_value=Decimal("0.1"),
        max_value=MAX_HOURS_PER_DAY,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal", "class": "num"}),
    )
    activity = forms.CharField(label=gettext_lazy("培训内容"), max_length=200)
    score = forms.IntegerField(
        label=gettext_lazy("得分（可不填）"),
        min_value=0,
        max_value=MAX_SCORE,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    client_key = forms.UUIDField(widget=forms.HiddenInput)


@page(TRAINER)
def log(request: HttpRequest) -> HttpResponse:
    """One session for one or several trainees of a cohort (the cohort is chosen first)."""
    my_cohorts = list(cohort_list(viewer=request.user))
    cohort_id = request.GET.get("cohort") or request.POST.get("cohort")
    if cohort_id is None and len(my_cohorts) == 1:
        cohort_id = my_cohorts[0].pk
    if cohort_id is None:
        return render(request, "trainees/log_pick_cohort.html", {"cohorts": my_cohorts})
    cohort = cohort_get(viewer=request.user, cohort_id=int(cohort_id))
    people = [
        t
        for t in trainee_list(viewer=request.user, cohort_id=cohort.pk)
        if t.status in ("enrolled", "in_training")
    ]
    modules = programme_get(viewer=request.user, programme_id=cohort.programme_id).modules.all()
    form = ProgressLogForm(
        request.POST or None,
        initial={
            "date": timezone.localdate(),
            "hours": Decimal("2"),
            "client_key": uuid.uuid4(),
            "trainees": [int(t) for t in request.GET.getlist("trainee") if t.isdigit()],
        },
    )
    form.fields["trainees"].choices = [(t.pk, t.name) for t in people]
    form.fields["module"].choices = [(m.pk, f"{m.position}. {m.name}") for m in modules]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            logs = progress_log(
                actor=request.user,
                trainee_ids=data["trainees"],
                module_id=data["module"],
                date=data["date"],
                hours=data["hours"],
                activity=data["activity"],
                score=data["score"],
                client_key=data["client_key"],
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request,
                _("已为 %(count)s 名学员记录 %(hours)s 学时。")
                % {"count": len(logs), "hours": data["hours"]},
            )
            if len(logs) == 1:
                return redirect("trainees:trainee", trainee_id=logs[0].trainee_id)
            return redirect(reverse("trainees:cohort", args=[cohort.pk]))
    return render(request, "trainees/log.html", {"form": form, "cohort": cohort})


class AssessmentForm(forms.Form):
    # One choice per module, or per module and skill for a module assessed by skill.
    subject = forms.ChoiceField(label=gettext_lazy("考核内容"))
    level = forms.TypedChoiceField(
        label=gettext_lazy("认证等级（按技能考核时）"),
        choices=[("", "—"), *SkillLevel.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    score = forms.IntegerField(
        label=gettext_lazy("得分"),
        min_value=0,
        max_value=MAX_SCORE,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "num"}),
    )
    assessed_on = forms.DateField(
        label=gettext_lazy("考核日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    notes = forms.CharField(label=gettext_lazy("评语（可不填）"), max_length=2000, required=False)
    client_key = forms.UUIDField(widget=forms.HiddenInput)


def subject_choices(modules) -> list[tuple[str, str]]:
    choices = []
    for module in modules:
        skills = list(module.skills.all())
        if not skills:
            choices.append((f"{module.pk}", f"{module.position}. {module.name}"))
        for skill in skills:
            choices.append(
                (f"{module.pk}:{skill.code}", f"{module.position}. {module.name} · {skill.name}")
            )
    return choices


@page(TRAINER)
def assess(request: HttpRequest, trainee_id: int) -> HttpResponse:
    """Record an assessment; a passed skill assessment certifies the skill (and raises the
    household's and its workshop's skills, see docs/trainees.md)."""
    trainee = trainee_get(viewer=request.user, trainee_id=trainee_id)
    modules = programme_get(
        viewer=request.user, programme_id=trainee.cohort.programme_id
    ).modules.all()
    form = AssessmentForm(
        request.POST or None,
        initial={"assessed_on": timezone.localdate(), "client_key": uuid.uuid4()},
    )
    form.fields["subject"].choices = subject_choices(modules)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        module_id, _sep, skill_code = data["subject"].partition(":")
        try:
            assessment = assessment_record(
                actor=request.user,
                trainee_id=trainee.pk,
                module_id=int(module_id),
                skill_code=skill_code or None,
                level=data["level"] if skill_code else None,
                score=data["score"],
                assessed_on=data["assessed_on"],
                notes=data["notes"],
                client_key=data["client_key"],
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            if assessment.certified_on is not None:
                messages.success(
                    request,
                    _("考核通过，已认证：%(skill)s %(level)s。")
                    % {"skill": assessment.skill.name, "level": assessment.get_level_display()},
                )
            elif assessment.passed:
                messages.success(request, _("考核通过，已记录。"))
            else:
                messages.warning(request, _("未达及格分，已记录为未通过。"))
            return redirect("trainees:trainee", trainee_id=trainee.pk)
    return render(request, "trainees/assess.html", {"form": form, "trainee": trainee})


@page(TRAINER)
def revoke(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Revoke a mistaken assessment with a reason (a new entry; its certificate flows back
    out). Answers with a redirect to the trainee's page and a message."""
    if request.method != "POST":
        return redirect("trainees:cohorts")
    reason = request.POST.get("reason", "")
    try:
        assessment = assessment_revoke(
            actor=request.user, assessment_id=assessment_id, reason=reason
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        trainee_id = request.POST.get("trainee", "")
        if trainee_id.isdigit():
            return redirect("trainees:trainee", trainee_id=int(trainee_id))
        return redirect("trainees:cohorts")
    messages.success(request, _("已撤销这条考核记录。"))
    return redirect("trainees:trainee", trainee_id=assessment.trainee_id)
