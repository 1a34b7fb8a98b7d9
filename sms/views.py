"""The operators' page of the SMS log: every text in and out, numbers masked, newest first."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.access import page

from .models import SmsMessage
from .phones import normalise
from .selectors import message_list
from .signing import number_key

OPERATOR = "operator"
PER_PAGE = 50


@page(OPERATOR)
def messages(request: HttpRequest) -> HttpResponse:
    direction = request.GET.get("direction", "")
    status = request.GET.get("status", "")
    number = normalise(request.GET.get("number", ""))
    if direction not in SmsMessage.Direction.values:
        direction = ""
    if status not in SmsMessage.Status.values:
        status = ""
    log = message_list(
        viewer=request.user,
        direction=direction,
        status=status,
        number_key=number_key(number) if number else "",
    )
    page_of_log = Paginator(log, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "sms/messages.html",
        {
            "page_of_log": page_of_log,
            "direction": direction,
            "status": status,
            "number": request.GET.get("number", "")[:32],
            "directions": SmsMessage.Direction.choices,
            "statuses": SmsMessage.Status.choices,
        },
    )
